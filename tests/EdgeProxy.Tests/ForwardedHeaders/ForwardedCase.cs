namespace EdgeProxy.Tests.ForwardedHeaders;

/// <summary>
/// One row of the end-to-end table: a request from a real source address with the headers an attacker or
/// a proxy would send, and what the upstream must receive. Expected values may use {port} and {host}
/// (localhost:{port}); a null expected value means the header must not reach the upstream at all.
/// </summary>
public sealed record ForwardedCase(string Name, string From, string[] Send, Dictionary<string, string?> Expect, string Path = "/echo")
{
    public static Dictionary<string, string?> Upstream(string xff, string realIp, string proto = "https", string host = "{host}", string port = "{port}") => new()
    {
        ["X-Forwarded-For"] = xff,
        ["X-Real-IP"] = realIp,
        ["X-Forwarded-Proto"] = proto,
        ["X-Forwarded-Host"] = host,
        ["X-Forwarded-Port"] = port,
    };
}
