using EdgeProxy.Observability;
using Serilog.Events;
using Serilog.Parsing;

namespace EdgeProxy.Tests.Observability;

public sealed class LogValueEscaperTests
{
    [Theory]
    [InlineData("/a\r\nb", "/a\\x0D\\x0Ab")]
    [InlineData("nul\0tab\tesc\u001b[31m", "nul\\x00tab\\x09esc\\x1B[31m")]
    [InlineData("del\u007fnel\u0085csi\u009b", "del\\x7Fnel\\x85csi\\x9B")]
    [InlineData("ls\u2028ps\u2029rlo\u202eend", "ls\\u2028ps\\u2029rlo\\u202Eend")]
    [InlineData("C:\\x\n", "C:\\\\x\\x0A")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("caf\u00e9 \u65e5\u672c", "caf\u00e9 \u65e5\u672c")]
    public void Value_IsEscaped(string value, string expected)
    {
        var logEvent = Event(new LogEventProperty("Path", new ScalarValue(value)));

        LogValueEscaper.Instance.Enrich(logEvent, null!);

        ((ScalarValue)logEvent.Properties["Path"]).Value.Should().Be(expected);
    }

    [Fact]
    public void CleanValues_AreLeftAsTheyAre()
    {
        var path = new ScalarValue("/api/items/42");
        var status = new ScalarValue(200);
        var logEvent = Event(new LogEventProperty("Path", path), new LogEventProperty("StatusCode", status));

        LogValueEscaper.Instance.Enrich(logEvent, null!);

        logEvent.Properties["Path"].Should().BeSameAs(path);
        logEvent.Properties["StatusCode"].Should().BeSameAs(status);
    }

    [Fact]
    public void NestedValues_AreEscaped()
    {
        var logEvent = Event(
            new LogEventProperty("Claims", new SequenceValue([new ScalarValue("ok"), new ScalarValue("a\nb")])),
            new LogEventProperty("Scope", new StructureValue([new LogEventProperty("Subject", new ScalarValue("CN=x\r\n"))])),
            new LogEventProperty("Headers", new DictionaryValue([new(new ScalarValue("k\n"), new ScalarValue("v\r"))])));

        LogValueEscaper.Instance.Enrich(logEvent, null!);

        ((SequenceValue)logEvent.Properties["Claims"]).Elements.Cast<ScalarValue>().Select(e => e.Value).Should().Equal("ok", "a\\x0Ab");
        ((ScalarValue)((StructureValue)logEvent.Properties["Scope"]).Properties.Single().Value).Value.Should().Be("CN=x\\x0D\\x0A");
        var entry = ((DictionaryValue)logEvent.Properties["Headers"]).Elements.Single();
        (entry.Key.Value, ((ScalarValue)entry.Value).Value).Should().Be(("k\\x0A", "v\\x0D"));
    }

    private static LogEvent Event(params LogEventProperty[] properties) =>
        new(DateTimeOffset.Now, LogEventLevel.Information, null, new MessageTemplateParser().Parse("{Path}"), properties);
}
