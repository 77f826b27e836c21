using System.Security.Cryptography.X509Certificates;
using EdgeProxy.ClientCertificates.Revocation;
using EdgeProxy.Tests.Acme;
using EdgeProxy.Tests.ClientCertificates.Revocation;
using EdgeProxy.Tests.Infrastructure;
using Serilog.Events;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.ClientCertificates;

/// <summary>
/// <c>RequireCertificate</c> + revocation through real handshakes: a revoked certificate, one the OCSP responder
/// calls revoked or unknown, and one whose status cannot be had (hard-fail) are refused — in the handshake when the
/// verdict is in memory (CRL, cached OCSP), else right after it before any request is read — and HttpClient, curl
/// and openssl s_client get no response while the upstream sees no request at all. .NET 10 on Linux closes the
/// connection without a TLS alert (SslStream validates once OpenSSL's handshake is done), so no alert is asserted.
/// </summary>
public sealed class HandshakeRevocationEndToEndTests(HandshakeRevocationFixture fixture, ITestOutputHelper output) : IClassFixture<HandshakeRevocationFixture>
{
    private const string Revoked = "FAILED:certificate revoked";
    private const string NoStatus = "FAILED:unable to get certificate CRL or OCSP status: ";

    /// <summary>Mode, certificate, null when it must be accepted, else the verdict the refusal is logged with.</summary>
    public static readonly TheoryData<RevocationMode, string, string?> Certificates = new()
    {
        { RevocationMode.Crl, "crl-good", null },
        { RevocationMode.Crl, "crl-revoked", Revoked },
        { RevocationMode.Crl, "ocsp-good", NoStatus + "no crl for issuer" },
        { RevocationMode.Ocsp, "ocsp-good", null },
        { RevocationMode.Ocsp, "ocsp-revoked", Revoked },
        { RevocationMode.Ocsp, "ocsp-unknown", NoStatus + "ocsp status unknown" },
        { RevocationMode.Ocsp, "ocsp-unreachable", NoStatus + "ocsp unreachable" },
        { RevocationMode.Ocsp, "crl-good", NoStatus + "no ocsp responder" },
        { RevocationMode.CrlOrOcsp, "crl-good", null },
        { RevocationMode.CrlOrOcsp, "crl-revoked", Revoked },
        { RevocationMode.CrlOrOcsp, "ocsp-good", null },
        { RevocationMode.CrlOrOcsp, "ocsp-revoked", Revoked },
        { RevocationMode.CrlOrOcsp, "ocsp-unreachable", NoStatus + "ocsp unreachable" },
    };

    public static TheoryData<RevocationMode, string, string?, HandshakePeer> RequireCases()
    {
        var data = new TheoryData<RevocationMode, string, string?, HandshakePeer>();
        foreach (var row in Certificates)
        {
            foreach (var peer in Enum.GetValues<HandshakePeer>())
            {
                data.Add((RevocationMode)row[0], (string)row[1], (string?)row[2], peer);
            }
        }

        return data;
    }

    [ToolTheory("curl", "openssl")]
    [MemberData(nameof(RequireCases))]
    public async Task RequireCertificate_RevocationDecidesTheHandshake(RevocationMode mode, string certificate, string? refusedWith, HandshakePeer peer)
    {
        var proxy = await fixture.Proxy(mode);
        var client = fixture[certificate];
        var path = $"/require/{mode}/{certificate}/{peer}";

        var outcome = await HandshakePeers.GetAsync(peer, proxy.HttpsPort, "localhost", path, client);
        output.WriteLine(outcome.Transcript);

        if (refusedWith is null)
        {
            outcome.Status.Should().Be(200, outcome.Transcript);
            outcome.Body.Should().Be($"upstream:localhost:{proxy.HttpsPort}{path}");
            var seen = fixture.Upstream.For(path).Should().ContainSingle().Subject;
            seen.Headers["X-SSL-Client-Verify"].Should().Be("SUCCESS");
            seen.Headers["X-SSL-Client-I-DN"].Should().Be(client.Issuer.SubjectName.Format(false).Replace(", ", ",", StringComparison.Ordinal), "the issuer outlives the handshake's chain");
            return;
        }

        outcome.Status.Should().BeNull("the certificate must be refused: " + outcome.Transcript);
        HandshakePeers.ClosedByServer(peer, outcome).Should().BeTrue("the server cut the TLS connection: " + outcome.Transcript);
        outcome.Transcript.Should().NotContain("HTTP/1.1 ", "no application data");
        fixture.Upstream.For(path).Should().BeEmpty("a refused certificate never reaches the upstream");
        var refusal = await proxy.Logs.WaitForAsync(e => e.EventId() is EventIds.ClientCertificateRefusedInHandshake or EventIds.ClientCertificateRefusedAfterHandshake
            && Property(e, "Serial") == client.Serial);
        Property(refusal, "Verify").Should().Be(refusedWith);
    }

    public static TheoryData<RevocationMode, string, HandshakePeer> AllowCases()
    {
        var data = new TheoryData<RevocationMode, string, HandshakePeer>();
        foreach (var (mode, certificate) in new[] { (RevocationMode.Crl, "crl-revoked"), (RevocationMode.Ocsp, "ocsp-revoked"), (RevocationMode.Ocsp, "ocsp-unreachable") })
        {
            foreach (var peer in new[] { HandshakePeer.HttpClientHttp11, HandshakePeer.HttpClientHttp2, HandshakePeer.CurlHttp11, HandshakePeer.CurlHttp2 })
            {
                data.Add(mode, certificate, peer);
            }
        }

        return data;
    }

    [ToolTheory("curl")]
    [MemberData(nameof(AllowCases))]
    public async Task AllowCertificate_RefusedCertificate_OpenRouteGetsFailedVerdict_RequiredRoute403(RevocationMode mode, string certificate, HandshakePeer peer)
    {
        var proxy = await fixture.Proxy(mode);
        var client = fixture[certificate];
        var open = $"/allow/{mode}/{certificate}/{peer}";
        var expected = Certificates.Single(r => (RevocationMode)r[0] == mode && (string)r[1] == certificate)[2];

        var allowed = await HandshakePeers.GetAsync(peer, proxy.HttpsPort, HandshakeRevocationFixture.AllowHost, open, client);
        var secure = await HandshakePeers.GetAsync(peer, proxy.HttpsPort, HandshakeRevocationFixture.AllowHost, "/secure" + open, client);

        allowed.Status.Should().Be(200, allowed.Transcript);
        fixture.Upstream.For(open).Should().ContainSingle().Which.Headers["X-SSL-Client-Verify"].Should().Be((string)expected!);
        secure.Status.Should().Be(403, secure.Transcript);
        secure.Body.Should().StartWith("403 Forbidden: route 'secure' requires a valid client certificate; the client certificate was rejected: ");
        fixture.Upstream.For("/secure" + open).Should().BeEmpty();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task OneChainBuild_ConfiguredIntermediateCompletesTheChain_WhatTheClientSentIsForwarded(bool http2)
    {
        var proxy = await fixture.Proxy(RevocationMode.Crl);
        var client = fixture["crl-good"];
        var intermediate = X509CertificateLoader.LoadCertificate(client.Issuer.RawData);

        using var withChain = TestClients.Https(proxy.HttpsPort, http2: http2, clientCertificate: client.Leaf, clientChain: [intermediate]);
        using var leafOnly = TestClients.Https(proxy.HttpsPort, http2: http2, clientCertificate: client.Leaf, clientChain: []);
        (await withChain.GetAsync($"/chain/sent/{http2}")).StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
        (await leafOnly.GetAsync($"/chain/leaf-only/{http2}")).StatusCode.Should().Be(System.Net.HttpStatusCode.OK, "TrustedCaFiles holds the intermediate");

        fixture.Upstream.For($"/chain/sent/{http2}").Should().ContainSingle().Which.Headers["Client-Cert-Chain"].Should().Be(":" + Convert.ToBase64String(intermediate.RawData) + ":");
        fixture.Upstream.For($"/chain/leaf-only/{http2}").Should().ContainSingle().Which.Headers.Should().NotContainKey("Client-Cert-Chain", "the client sent no chain");
    }

    [ToolFact("openssl")]
    public async Task OcspAnswer_IsAskedForOncePerCertificate_LaterHandshakesUseIt()
    {
        var proxy = await fixture.Proxy(RevocationMode.Ocsp);
        var good = fixture.Add("ocsp-cached-good", fixture.NewOcspLeaf("cached good", good: true), RevocationPki.Instance.Intermediate);
        var revoked = fixture.Add("ocsp-cached-revoked", fixture.NewOcspLeaf("cached revoked", good: false), RevocationPki.Instance.Intermediate);
        var before = fixture.Responder.Requests;

        for (var i = 0; i < 8; i++)
        {
            var peer = i % 2 == 0 ? HandshakePeer.HttpClientHttp11 : HandshakePeer.HttpClientHttp2;
            (await HandshakePeers.GetAsync(peer, proxy.HttpsPort, "localhost", $"/cached/{i}", good)).Status.Should().Be(200);
            (await HandshakePeers.GetAsync(peer, proxy.HttpsPort, "localhost", $"/cached/revoked/{i}", revoked)).Status.Should().BeNull();

        }

        fixture.Responder.Requests.Should().Be(before + 2, "one OCSP request per certificate; the answers (nextUpdate 5 min) serve every later handshake");
        proxy.Logs.Events.Count(e => e.EventId() == EventIds.ClientCertificateRefusedAfterHandshake && Property(e, "Serial") == revoked.Serial)
            .Should().Be(1, "only the first connection waited for the responder");
        proxy.Logs.Events.Count(e => e.EventId() == EventIds.ClientCertificateRefusedInHandshake && Property(e, "Serial") == revoked.Serial)
            .Should().BeGreaterThanOrEqualTo(7, "every later connection is refused inside the handshake by the cached answer");
        fixture.Upstream.Requests.Where(r => r.Path.StartsWith("/cached/revoked/", StringComparison.Ordinal)).Should().BeEmpty();
        proxy.Services.GetRequiredService<RevocationChecker>().Verdicts.Count.Should().BeGreaterThanOrEqualTo(2);
    }

    [ToolFact("curl")]
    public async Task CrlReloaded_RevokesACertificateCachedAsGood_NextHandshakeIsRefused()
    {
        var proxy = await fixture.Proxy(RevocationMode.Crl);
        var alice = fixture.Add("crl-alice", TestPki.Instance.IssueClient("CN=alice"), TestPki.Instance.Intermediate);
        var bob = fixture.Add("crl-bob", TestPki.Instance.IssueClient("CN=bob"), TestPki.Instance.Intermediate);
        var checker = proxy.Services.GetRequiredService<RevocationChecker>();
        (await HandshakePeers.GetAsync(HandshakePeer.CurlHttp2, proxy.HttpsPort, "localhost", "/reload/before", alice)).Status.Should().Be(200);
        (await checker.CheckAsync(alice.Leaf, alice.Issuer, default)).Status.Should().Be(RevocationStatus.Good);
        var generation = checker.Crls!.Generation;

        await fixture.RevokeInCrlAsync(alice.Leaf);
        await Eventually.EqualsAsync(() => Task.FromResult(checker.Crls.Generation > generation), true);

        var refused = await HandshakePeers.GetAsync(HandshakePeer.CurlHttp2, proxy.HttpsPort, "localhost", "/reload/after", alice);
        refused.Status.Should().BeNull(refused.Transcript);
        HandshakePeers.ClosedByServer(HandshakePeer.CurlHttp2, refused).Should().BeTrue(refused.Transcript);
        fixture.Upstream.For("/reload/after").Should().BeEmpty();
        (await HandshakePeers.GetAsync(HandshakePeer.CurlHttp2, proxy.HttpsPort, "localhost", "/reload/bob", bob)).Status.Should().Be(200, "only alice was revoked");
    }

    [ToolFact("curl", "openssl")]
    public async Task OcspStatusNotYetKnown_RefusedCertificate_ConnectionClosedBeforeAnyRequest()
    {
        var proxy = await fixture.Proxy(RevocationMode.Ocsp);
        var revokedCurl = fixture.Add("gate-revoked-curl", fixture.NewOcspLeaf("gate revoked curl", good: false), RevocationPki.Instance.Intermediate);
        var revokedOpenSsl = fixture.Add("gate-revoked-openssl", fixture.NewOcspLeaf("gate revoked openssl", good: false), RevocationPki.Instance.Intermediate);
        var good = fixture.Add("gate-good", fixture.NewOcspLeaf("gate good", good: true), RevocationPki.Instance.Intermediate);

        var curl = await HandshakePeers.GetAsync(HandshakePeer.CurlHttp11, proxy.HttpsPort, "localhost", "/gate/curl", revokedCurl);
        var openssl = await HandshakePeers.GetAsync(HandshakePeer.OpenSslTls12, proxy.HttpsPort, "localhost", "/gate/openssl", revokedOpenSsl);
        var accepted = await HandshakePeers.GetAsync(HandshakePeer.CurlHttp2, proxy.HttpsPort, "localhost", "/gate/good", good);
        var again = await HandshakePeers.GetAsync(HandshakePeer.CurlHttp11, proxy.HttpsPort, "localhost", "/gate/curl-again", revokedCurl);

        curl.Status.Should().BeNull(curl.Transcript);
        HandshakePeers.ClosedByServer(HandshakePeer.CurlHttp11, curl).Should().BeTrue(curl.Transcript);
        openssl.Status.Should().BeNull(openssl.Transcript);
        openssl.Transcript.Should().Contain("New, TLSv1.2, Cipher is", "the handshake completed; the connection was closed before the request was read");
        accepted.Status.Should().Be(200, accepted.Transcript);
        again.Status.Should().BeNull(again.Transcript);
        fixture.Upstream.Requests.Where(r => r.Path is "/gate/curl" or "/gate/openssl" or "/gate/curl-again").Should().BeEmpty();
        foreach (var certificate in new[] { revokedCurl, revokedOpenSsl, good })
        {
            proxy.Logs.Events.Should().ContainSingle(e => e.EventId() == EventIds.ClientCertificateVerdictDeferred && Property(e, "Serial") == certificate.Serial, "each was new to the proxy once");
        }

        proxy.Logs.Events.Should().ContainSingle(e => e.EventId() == EventIds.ClientCertificateRefusedAfterHandshake && Property(e, "Serial") == revokedCurl.Serial);
        (await proxy.Logs.WaitForAsync(e => e.EventId() == EventIds.ClientCertificateRefusedInHandshake && Property(e, "Serial") == revokedCurl.Serial))
            .Should().NotBeNull("the second connection is refused by the cached answer inside the handshake");
    }

    private static string? Property(LogEvent e, string name) =>
        e.Properties.TryGetValue(name, out var value) && value is ScalarValue { Value: string text } ? text : null;
}
