using EdgeProxy.Proxy;
using Serilog.Events;

namespace EdgeProxy.Tests.Proxy;

/// <summary>
/// What the log filter of <see cref="SessionAffinityKeys"/> lets through. Inside its check (start, reload) data protection's
/// error is dropped for the finding that names EdgeProxy:DataPath (SessionAffinityProcessTests); outside it, at run time,
/// that error is the only report of a key ring that failed and must pass.
/// </summary>
public sealed class SessionAffinityKeysTests
{
    [Theory]
    [InlineData("Microsoft.AspNetCore.DataProtection.KeyManagement.KeyRingProvider", LogEventLevel.Error)]
    [InlineData("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogEventLevel.Fatal)]
    [InlineData("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogEventLevel.Warning)]
    [InlineData("EdgeProxy.Startup", LogEventLevel.Error)]
    public void OutsideTheCheck_EveryEventPasses(string source, LogEventLevel level)
    {
        var logEvent = new LogEvent(DateTimeOffset.UtcNow, level, new IOException("the key ring cannot be written"), MessageTemplate.Empty,
            [new LogEventProperty("SourceContext", new ScalarValue(source))]);

        SessionAffinityKeys.IsCheckNoise(logEvent).Should().BeFalse();
    }
}
