using System.Text;
using EdgeProxy.Tests.Infrastructure;
using static EdgeProxy.Tests.Adversarial.AdversarialFixture;

namespace EdgeProxy.Tests.Adversarial;

/// <summary>
/// <c>Content-Length</c> must be plain digits (RFC 9110 8.6). Kestrel already refuses hex, decimals, exponents,
/// lists (<c>5,5</c>, <c>5, 5</c>: refused like nginx does rather than collapsed, so a front end that took the
/// first or the last value cannot disagree with us) and repeated headers; EdgeProxy makes it refuse a sign too.
/// Each refusal is a 400 that closes the connection (HTTP/1.1) or a GOAWAY with PROTOCOL_ERROR (HTTP/2, Kestrel's
/// answer to any malformed header field there), and the proxy keeps serving.
/// </summary>
[Collection(AdversarialSuite.Name)]
public sealed class FramingTests(AdversarialFixture fixture)
{
    public static TheoryData<string, bool> Rows() => new()
    {
        // value, accepted?
        { "5", true }, { "05", true }, { "000005", true },
        { "+5", false }, { "-0", false }, { "+0", false }, { "-5", false }, { "0x5", false }, { "5.0", false }, { "1e1", false },
        { "5,5", false }, { "5, 5", false }, { "5,6", false }, { "5 5", false }, { "", false }, { "five", false }, { "5\u00a0", false },
        { "99999999999999999999", false }, { "+05", false }, { "--5", false },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task ContentLength_IsPlainDigitsOverHttp11(string value, bool accepted)
    {
        var request = $"POST /override/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: {value}\r\nConnection: close\r\n\r\nhello";
        var response = await RawHttp1.SendAsync(fixture.Port, request, Untrusted);

        if (accepted)
        {
            response.Status.Should().Be(200, response.ToString());
            response.Body.Should().Contain("\"method\":\"POST\"");
        }
        else
        {
            response.Status.Should().Be(400, $"Content-Length: {value}\n{response}");
            response.ClosesConnection.Should().BeTrue(response.ToString());
            response.Body.Should().NotContain("\"headers\"");
        }

        (await RawHttp1.SendAsync(fixture.Port, RawHttp1.Get("/echo"), Untrusted)).Status.Should().Be(200, "the proxy keeps serving");
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task ContentLength_IsPlainDigitsOverHttp2(string value, bool accepted)
    {
        var headers = RawHttp2.Get("/override/x", "POST").Append(("content-length", value));
        var response = await RawHttp2.SendAsync(fixture.Port, headers, Encoding.ASCII.GetBytes("hello"), Untrusted);

        if (accepted)
        {
            response.Status.Should().Be(200, response.ToString());
        }
        else
        {
            // Kestrel treats a malformed header field in HTTP/2 as a connection error (GOAWAY PROTOCOL_ERROR), for its
            // own refusals and this one alike; no status is sent.
            response.GoAwayCode.Should().Be(1, $"content-length: {value} must be refused: {response}");
            response.Body.Should().NotContain("\"headers\"");
        }

        (await RawHttp2.SendAsync(fixture.Port, RawHttp2.Get("/echo"), source: Untrusted)).Status.Should().Be(200, "the proxy keeps serving");
    }

    [Fact]
    public async Task RepeatedContentLength_IsRefused()
    {
        var request = "POST /override/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";

        var response = await RawHttp1.SendAsync(fixture.Port, request, Untrusted);

        response.Status.Should().Be(400, response.ToString());
        response.ClosesConnection.Should().BeTrue();
    }

    [Fact]
    public async Task OtherHeaders_KeepKestrelsDecoding()
    {
        // The Content-Length selector answers null for every other header, which is Kestrel's default decoding:
        // valid UTF-8 is read, and reaches EdgeProxy's own refusal naming the header (the fixture's cluster names no
        // RequestHeaderEncoding, so the upstream could not be sent it); invalid bytes are Kestrel's 400.
        var utf8 = await RawHttp1.SendAsync(fixture.Port, RawHttp1.Get("/echo", "X-Name: caf\u00c3\u00a9"), Untrusted);
        var invalid = await RawHttp1.SendAsync(fixture.Port, RawHttp1.Get("/echo", "X-Name: a\u0080b"), Untrusted);

        utf8.Status.Should().Be(400, utf8.ToString());
        utf8.Body.Should().Contain("request header X-Name is not ASCII", "Kestrel read it; EdgeProxy refused it");
        invalid.Status.Should().Be(400, invalid.ToString());
        invalid.Body.Should().NotContain("is not ASCII", "Kestrel refused the invalid bytes itself");
    }
}
