using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.ForwardedHeaders;

/// <summary>The proxy every forwarded-header test runs against: TLS on 127.0.0.1 and ::1, a few routes, one echo upstream.</summary>
internal static class ForwardedConfig
{
    public static TestConfig Create(TempDirectory dir, string upstreamUrl, params string[] trusted)
    {
        var pki = TestPki.Instance;
        var (cert, key) = pki.WritePem(pki.IssueServer("localhost", ["localhost", "127.0.0.1", "::1"]), dir.Combine("certs"), "server");
        var config = new TestConfig(dir.Path)
            .WithCertificate(cert, key)
            .WithCertificate(cert, key, "Https6")
            .Set("Kestrel:Endpoints:Https6:Url", "https://[::1]:0")
            .Set("EdgeProxy:TrustedProxies:Networks", trusted.Length > 0 ? trusted : new[] { "127.0.0.2", "127.0.0.3/32", "10.0.0.0/8", "2001:db8::/32" })
            .Route("prefix", "/apps/my-app/{**rest}", "app")
            .Set("ReverseProxy:Routes:prefix:Transforms", new[] { new Dictionary<string, string> { ["PathRemovePrefix"] = "/apps/my-app" } })
            .Route("append", "/append/{**rest}", "app")
            .Set("ReverseProxy:Routes:append:Transforms", new[] { new Dictionary<string, string> { ["X-Forwarded"] = "Append" } })
            .Route("allow", "/allow/{**rest}", "app", new Dictionary<string, string> { ["EdgeProxy.AllowFrom"] = "127.0.0.5, 10.0.0.0/8" })
            .Route("desthost", "/desthost/{**rest}", "app")
            .Set("ReverseProxy:Routes:desthost:Transforms", new[] { new Dictionary<string, string> { ["RequestHeaderOriginalHost"] = "false" } })
            .Route("all", "{**catch-all}", "app")
            .Cluster("app", upstreamUrl);
        return config;
    }
}
