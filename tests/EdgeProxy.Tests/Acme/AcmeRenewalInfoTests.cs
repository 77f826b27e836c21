using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using EdgeProxy.Acme;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeProxy.Tests.Acme;

/// <summary>ARI (RFC 9773) against a small fake directory: pebble 2.4.0 has none.</summary>
public sealed class AcmeRenewalInfoTests
{
    [Fact]
    public void CertId_IsAkiDotBigEndianSerial_KeepingTheLeadingZero()
    {
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var issuerRequest = new CertificateRequest("CN=ARI test CA", issuerKey, HashAlgorithmName.SHA256);
        issuerRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var ski = new X509SubjectKeyIdentifierExtension(issuerRequest.PublicKey, false);
        issuerRequest.CertificateExtensions.Add(ski);
        using var issuer = issuerRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=a.example", leafKey, HashAlgorithmName.SHA256);
        leafRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromSubjectKeyIdentifier(ski));
        byte[] serial = [0x00, 0x87, 0x65, 0x43, 0x21];
        using var leaf = leafRequest.Create(issuer, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), serial);

        AcmeRenewalInfo.CertId(leaf).Should().Be(Base64Url.EncodeToString(Convert.FromHexString(ski.SubjectKeyIdentifier!)) + ".AIdlQyE");
    }

    [Fact]
    public async Task Window_IsReadFromRenewalInfo_AndAPickedTimeFallsInsideIt()
    {
        var ca = new FakeCa();
        using var http = new HttpClient(ca);

        var window = await AcmeRenewalInfo.GetWindowAsync(http, "https://ca.test/ari/", "aaa.bbb", CancellationToken.None);

        ca.Requests.Should().Contain("GET https://ca.test/ari/aaa.bbb");
        window.Should().Be((FakeCa.WindowStart, FakeCa.WindowEnd));
        AcmeRenewalInfo.PickTime(window!.Value).Should().BeOnOrAfter(FakeCa.WindowStart).And.BeOnOrBefore(FakeCa.WindowEnd);
        (await AcmeRenewalInfo.GetWindowAsync(http, "https://ca.test/ari", "unknown.cert", CancellationToken.None)).Should().BeNull();
    }

    [Fact]
    public async Task Renewal_OrderNamesTheCertificateItReplaces_AndIsSignedWithKidAfterTheAccountJwk()
    {
        var ca = new FakeCa();
        using var http = new HttpClient(ca);
        using var key = AcmeAccountKey.Create();
        var client = new AcmeClient(http, new Uri("https://ca.test/dir"), key, NullLogger.Instance);
        var settings = new AcmeSettings(new Uri("https://ca.test/dir"), null, ["a.example"], new HashSet<AcmeChallengeType> { AcmeChallengeType.Http01 }, AcmeKeyType.EcdsaP256, null, null, Path.GetTempPath());
        var issuer = new AcmeIssuer(client, settings, new AcmeStorage(Path.Combine(Path.GetTempPath(), "edgeproxy-tests", Guid.NewGuid().ToString("N")), settings.DirectoryUrl), new Http01Challenges(null), new TlsAlpnChallenges(), NullLogger.Instance);

        var act = () => issuer.IssueAsync("a.example", CancellationToken.None, replaces: "aaa.bbb");

        (await act.Should().ThrowAsync<AcmeProblemException>()).Which.ShortType.Should().Be("unauthorized");
        ca.Signed["newAccount"].Protected["jwk"].Should().NotBeNull();
        ca.Signed["newOrder"].Protected["kid"]!.GetValue<string>().Should().Be("https://ca.test/acct/1");
        ca.Signed["newOrder"].Payload["replaces"]!.GetValue<string>().Should().Be("aaa.bbb");
        ca.Signed["newOrder"].Payload["identifiers"]![0]!["value"]!.GetValue<string>().Should().Be("a.example");
    }

    /// <summary>Just enough of an ACME server: directory with renewalInfo, nonces, account, and a newOrder that refuses.</summary>
    private sealed class FakeCa : HttpMessageHandler
    {
        public static readonly DateTimeOffset WindowStart = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        public static readonly DateTimeOffset WindowEnd = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
        private int _nonce;

        public List<string> Requests { get; } = [];

        public Dictionary<string, (JsonObject Protected, JsonObject Payload)> Signed { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var url = request.RequestUri!.ToString();
            Requests.Add($"{request.Method} {url}");
            var response = url switch
            {
                "https://ca.test/dir" => Json(HttpStatusCode.OK, """{"newNonce":"https://ca.test/nonce","newAccount":"https://ca.test/new-account","newOrder":"https://ca.test/new-order","renewalInfo":"https://ca.test/ari/"}"""),
                "https://ca.test/nonce" => new HttpResponseMessage(HttpStatusCode.OK),
                "https://ca.test/ari/aaa.bbb" => Json(HttpStatusCode.OK, new JsonObject { ["suggestedWindow"] = new JsonObject { ["start"] = WindowStart, ["end"] = WindowEnd } }.ToJsonString()),
                "https://ca.test/new-account" => Record("newAccount", await request.Content!.ReadAsStringAsync(cancellationToken), Json(HttpStatusCode.Created, """{"status":"valid"}""")),
                "https://ca.test/new-order" => Record("newOrder", await request.Content!.ReadAsStringAsync(cancellationToken), Json(HttpStatusCode.Forbidden, """{"type":"urn:ietf:params:acme:error:unauthorized","detail":"fake CA stops here"}""")),
                _ => new HttpResponseMessage(HttpStatusCode.NotFound),
            };
            response.Headers.Add("Replay-Nonce", $"nonce-{++_nonce}");
            if (url.EndsWith("new-account", StringComparison.Ordinal))
            {
                response.Headers.Location = new Uri("https://ca.test/acct/1");
            }

            return response;
        }

        private HttpResponseMessage Record(string name, string body, HttpResponseMessage response)
        {
            var jws = JsonNode.Parse(body)!.AsObject();
            Signed[name] = (Decode(jws["protected"]!), Decode(jws["payload"]!));
            return response;
        }

        private static JsonObject Decode(JsonNode part) => JsonNode.Parse(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(part.GetValue<string>())))!.AsObject();

        private static HttpResponseMessage Json(HttpStatusCode status, string json) =>
            new(status) { Content = new StringContent(json, Encoding.UTF8, status >= HttpStatusCode.BadRequest ? "application/problem+json" : "application/json") };
    }
}
