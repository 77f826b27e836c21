namespace EdgeProxy.Configuration;

internal enum Severity
{
    Ok,
    Warn,
    Fail,
}

/// <summary>One line of a configuration report: <c>OK|WARN|FAIL key: message</c>.</summary>
internal sealed record Finding(Severity Severity, string Key, string Message)
{
    public override string ToString() => $"{Label(Severity)} {Key}: {Message}";

    private static string Label(Severity severity) => severity switch
    {
        Severity.Ok => "OK",
        Severity.Warn => "WARN",
        _ => "FAIL",
    };
}
