using System.Net;
using EdgeProxy.Tests.Infrastructure;
using static EdgeProxy.Tests.Adversarial.AdversarialFixture;

namespace EdgeProxy.Tests.Adversarial;

/// <summary>
/// Header names no HttpClient would send, written byte for byte over HTTP/1.1: a trailing space or tab before the
/// colon (Kestrel refuses: 400), a vertical tab or <c>;</c> inside the name (Kestrel accepts them). However Kestrel
/// reads them, the forged value must never reach the upstream.
/// </summary>
[Collection(AdversarialSuite.Name)]
public sealed class OddHeaderNameTests(AdversarialFixture fixture)
{
    public static TheoryData<string, string> Rows()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in new[] { "X-Forwarded-For", "X-Real-IP", "X-Original-URL", "Remote-User", "X-Goog-Authenticated-User-Email", "X-SSL-Client-Cert", "X-HTTP-Method-Override" })
        {
            foreach (var odd in new[] { name + " ", name + "\t", name + "\v", name + ";", "\v" + name, name.Replace('-', '\v') })
            {
                foreach (var source in new[] { Untrusted, Trusted })
                {
                    data.Add(odd, source.ToString());
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task OddlySpelledName_NeverCarriesAForgedValueUpstream(string name, string source)
    {
        const string marker = "forged-odd-value";
        var response = await RawHttp1.SendAsync(fixture.Port, RawHttp1.Get("/echo", $"{name}: {marker}"), IPAddress.Parse(source));

        if (response.Status == 400)
        {
            response.ClosesConnection.Should().BeTrue("Kestrel refuses a malformed field name and closes:\n" + response);
            return;
        }

        response.Status.Should().Be(200, response.ToString());
        var echo = System.Text.Json.JsonSerializer.Deserialize<HeaderEchoUpstream.Echo>(response.Body, System.Text.Json.JsonSerializerOptions.Web)!;
        echo.Headers.Values.SelectMany(v => v).Should().NotContain(v => v.Contains(marker), "upstream received:\n" + echo);
    }
}
