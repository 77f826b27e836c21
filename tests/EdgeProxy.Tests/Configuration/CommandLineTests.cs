using EdgeProxy.Configuration;

namespace EdgeProxy.Tests.Configuration;

/// <summary>The parser on its own: what is a command, an option, an override, and what is a usage error.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData(new[] { "check", "--config", "a.json" }, "check", "a.json", new string[0])]
    [InlineData(new[] { "--config=b.json", "X:Y=1" }, "run", "b.json", new[] { "X:Y=1" })]
    [InlineData(new[] { "run", "-c", "c.json" }, "run", "c.json", new string[0])]
    [InlineData(new[] { "CHECK", "--config", "d.json", "EdgeProxy:ShutdownTimeout=60s", "--Kestrel:Endpoints:Http:Url=http://*:80" }, "check", "d.json",
        new[] { "EdgeProxy:ShutdownTimeout=60s", "--Kestrel:Endpoints:Http:Url=http://*:80" })]
    [InlineData(new[] { "health" }, "health", null, new string[0])]
    [InlineData(new[] { "help" }, "help", null, new string[0])]
    [InlineData(new[] { "-h" }, "help", null, new string[0])]
    [InlineData(new[] { "check", "--help" }, "help", null, new string[0])]
    [InlineData(new[] { "--version" }, "version", null, new string[0])]
    [InlineData(new[] { "EdgeProxy:Hsts:MaxAge=0", "--config", "e.json" }, "run", "e.json", new[] { "EdgeProxy:Hsts:MaxAge=0" })]
    public void ValidArguments_AreParsed(string[] args, string command, string? config, string[] overrides)
    {
        var parsed = CommandLine.Parse(args);

        parsed.Command.Should().Be(command);
        if (config is not null)
        {
            parsed.ConfigPath.Should().Be(config);
        }

        parsed.ConfigArgs.Should().Equal(overrides);
    }

    [Theory]
    [InlineData(new[] { "chek", "--config", "x" }, "unknown command 'chek'")]
    [InlineData(new[] { "--confg", "x" }, "unknown option '--confg'")]
    [InlineData(new[] { "--confg=x" }, "unknown option '--confg=x'")]
    [InlineData(new[] { "-v" }, "unknown option '-v'")]
    [InlineData(new[] { "--config" }, "--config needs a file path")]
    [InlineData(new[] { "-c" }, "-c needs a file path")]
    [InlineData(new[] { "--config=" }, "--config needs a file path")]
    [InlineData(new[] { "run", "check" }, "unexpected argument 'check'")]
    [InlineData(new[] { "run", "Timeout=5s" }, "unexpected argument 'Timeout=5s'")]
    [InlineData(new[] { "run", ":Key=1" }, "unexpected argument ':Key=1'")]
    [InlineData(new[] { "run", "Section:=1" }, "unexpected argument 'Section:=1'")]
    [InlineData(new[] { "config/appsettings.json" }, "unknown command 'config/appsettings.json'")]
    public void UsageErrors_NameTheArgument(string[] args, string message)
    {
        var parse = () => CommandLine.Parse(args);

        parse.Should().Throw<UsageException>().Which.Message.Should().StartWith(message);
    }
}
