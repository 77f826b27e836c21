using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Acme;

/// <summary>An EdgeProxy config whose http listener is where pebble validates HTTP-01, with ACME on for <c>hosts</c>.</summary>
internal static class AcmeTestSetup
{
    public static TestConfig Config(string directory, PebbleServer pebble, int httpPort, params string[] hosts) =>
        new TestConfig(directory)
            .WithoutCertificate()
            .Set("Kestrel:Endpoints:Http:Url", $"http://127.0.0.1:{httpPort}")
            .Set("EdgeProxy:Certificates:Acme:Enabled", true)
            .Set("EdgeProxy:Certificates:Acme:DirectoryUrl", pebble.DirectoryUrl)
            .Set("EdgeProxy:Certificates:Acme:Email", "ops@example.com")
            .Set("EdgeProxy:Certificates:Acme:AcceptTermsOfService", true)
            .Set("EdgeProxy:Certificates:Acme:Challenges", new[] { "Http01" })
            .Set("EdgeProxy:Certificates:Acme:CaBundle", pebble.CaBundle)
            .Set("EdgeProxy:Certificates:Acme:Hosts", hosts);

    /// <summary>Handshakes for <paramref name="host"/> until the certificate is not the self-signed fallback.</summary>
    public static async Task<TlsProbe.Result> WaitForAcmeCertificateAsync(ProxyInstance proxy, string host, string? notFingerprint = null, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var result = await TlsProbe.HandshakeAsync(proxy.HttpsPort, host);
            if (!result.Leaf.Subject.Contains("EdgeProxy self-signed", StringComparison.Ordinal) && result.Leaf.Thumbprint != notFingerprint)
            {
                return result;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"{host} still presents {result.Leaf.Subject} after {seconds} s. Log:\n{proxy.Logs.AllText}");
            }

            await Task.Delay(200);
        }
    }
}
