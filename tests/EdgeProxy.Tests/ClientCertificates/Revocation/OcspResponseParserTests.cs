using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.ClientCertificates.Revocation;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.ClientCertificates.Revocation;

/// <summary>The response parser on real openssl answers taken apart: whatever arrives, it never throws and never says Good wrongly.</summary>
public sealed class OcspResponseParserTests
{
    private static readonly RevocationPki Pki = RevocationPki.Instance;

    [ToolFact("openssl")]
    public async Task RealAnswer_TruncatedOrFlipped_NeverThrowsNeverGoodForTheSignedPart()
    {
        var leaf = RevocationPki.IssueLeaf(Pki.Intermediate, "parsed");
        var (body, id) = await FetchAsync(leaf, r => r.Revoked(leaf));
        var now = DateTimeOffset.UtcNow;
        OcspResponseParser.Parse(body, id, Pki.Intermediate, now).Status.Should().Be(RevocationStatus.Revoked);

        for (var length = 0; length < body.Length; length++)
        {
            OcspResponseParser.Parse(body.AsMemory(0, length), id, Pki.Intermediate, now).Status.Should().Be(RevocationStatus.Unknown);
        }

        for (var i = 0; i < body.Length; i++)
        {
            var copy = (byte[])body.Clone();
            copy[i] ^= 0x04;
            OcspResponseParser.Parse(copy, id, Pki.Intermediate, now).Status.Should().NotBe(RevocationStatus.Good, $"byte {i} was flipped in a revoked answer");
        }
    }

    [ToolFact("openssl")]
    public async Task AnswerForAnotherSerial_IsRefused()
    {
        var asked = RevocationPki.IssueLeaf(Pki.Intermediate, "asked");
        var other = RevocationPki.IssueLeaf(Pki.Intermediate, "other");
        var (body, _) = await FetchAsync(other, r => r.Valid(other));

        OcspResponseParser.Parse(body, OcspCertId.For(asked, Pki.Intermediate), Pki.Intermediate, DateTimeOffset.UtcNow)
            .Should().Be(OcspAnswer.Unknown("ocsp response for another certificate"));
    }

    [ToolFact("openssl")]
    public async Task ExpiredOrFutureAnswer_IsRefused()
    {
        var leaf = RevocationPki.IssueLeaf(Pki.Intermediate, "timed");
        var (body, id) = await FetchAsync(leaf, r => r.Valid(leaf), "-nmin", "1");

        OcspResponseParser.Parse(body, id, Pki.Intermediate, DateTimeOffset.UtcNow.AddMinutes(10)).Reason.Should().Be("ocsp response expired");
        OcspResponseParser.Parse(body, id, Pki.Intermediate, DateTimeOffset.UtcNow.AddMinutes(-10)).Reason.Should().Be("ocsp response not yet valid");
    }

    [Theory]
    [InlineData(new byte[] { 0x30, 0x03, 0x0A, 0x01, 0x06 }, "ocsp responder error unauthorized")]
    [InlineData(new byte[] { 0x30, 0x03, 0x0A, 0x01, 0x03 }, "ocsp responder error trylater")]
    [InlineData(new byte[] { 0x30, 0x03, 0x0A, 0x01, 0x00 }, "ocsp response malformed")]
    [InlineData(new byte[] { }, "ocsp response malformed")]
    [InlineData(new byte[] { 0x3C, 0x68, 0x74, 0x6D, 0x6C, 0x3E }, "ocsp response malformed")]
    public void ErrorOrGarbage_IsUnknownWithReason(byte[] body, string reason)
    {
        var leaf = RevocationPki.IssueLeaf(Pki.Intermediate, "x");

        OcspResponseParser.Parse(body, OcspCertId.For(leaf, Pki.Intermediate), Pki.Intermediate, DateTimeOffset.UtcNow).Should().Be(OcspAnswer.Unknown(reason));
    }

    [Fact]
    public void RandomBytes_NeverThrow()
    {
        var leaf = RevocationPki.IssueLeaf(Pki.Intermediate, "x");
        var id = OcspCertId.For(leaf, Pki.Intermediate);
        var random = new Random(11);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 400)];
            random.NextBytes(bytes);
            if (bytes.Length > 4)
            {
                bytes[0] = 0x30;
            }

            OcspResponseParser.Parse(bytes, id, Pki.Intermediate, DateTimeOffset.UtcNow).Status.Should().Be(RevocationStatus.Unknown);
        }
    }

    private static async Task<(byte[] Body, OcspCertId Id)> FetchAsync(X509Certificate2 leaf, Action<OpenSslOcspResponder> index, params string[] validity)
    {
        await using var responder = new OpenSslOcspResponder(Pki.Intermediate, Pki.Intermediate, validity);
        index(responder);
        await responder.StartAsync();
        var id = OcspCertId.For(leaf, Pki.Intermediate);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(20) };
        using var content = new ByteArrayContent(OcspCertId.BuildRequest(leaf, id));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/ocsp-request");
        using var response = await http.PostAsync(responder.Url, content);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsByteArrayAsync(), id);
    }
}
