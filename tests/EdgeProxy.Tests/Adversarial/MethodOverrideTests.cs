using System.Net;
using System.Net.Http.Headers;
using EdgeProxy.Tests.Infrastructure;
using static EdgeProxy.Tests.Adversarial.AdversarialFixture;

namespace EdgeProxy.Tests.Adversarial;

/// <summary>
/// The README's example: GET is public (route <c>read</c>), POST/PUT/PATCH/DELETE need a token (route <c>write</c>,
/// which allows method overrides); <c>/override</c> is an anonymous GET+POST route that allows them too. An override
/// header reaches the upstream only on a route that allows it, and only when the overriding method selects that
/// same route; otherwise it is removed (routes that do not allow it) or the request is refused (400).
/// </summary>
[Collection(AdversarialSuite.Name)]
public sealed class MethodOverrideTests(AdversarialFixture fixture)
{
    public static TheoryData<string, string, string, bool, int, string?> Rows()
    {
        var data = new TheoryData<string, string, string, bool, int, string?>();
        foreach (var header in new[] { "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override", "x_http_method_override" })
        {
            // method, path, override header: value, token?, expected status, the override the upstream must see (null: none)
            data.Add("GET", "/items/1", $"{header}: DELETE", false, 200, null);       // read does not allow it: removed, a plain GET
            data.Add("GET", "/items/1", $"{header}: DELETE", true, 200, null);
            data.Add("POST", "/items/1", $"{header}: DELETE", false, 401, null);      // write's policy, as for a real DELETE
            data.Add("POST", "/items/1", $"{header}: DELETE", true, 200, "DELETE");   // same route, token: passed on
            data.Add("POST", "/items/1", $"{header}: GET", true, 400, null);          // GET would be read: another route
            data.Add("POST", "/items/1", $"{header}: DELETE, PUT", true, 400, null);  // not one method
            data.Add("POST", "/items/1", $"{header}: DEL ETE", true, 400, null);
            data.Add("GET", "/override/x", $"{header}: POST", false, 200, "POST");    // same route for POST: passed on
            data.Add("GET", "/override/x", $"{header}: DELETE", false, 400, null);    // DELETE would be write, which needs a token
            data.Add("GET", "/admin/x", $"{header}: DELETE", false, 403, null);
        }

        data.Add("POST", "/items/1", "X-HTTP-Method-Override: DELETE\nX-HTTP-Method: PUT", true, 400, null); // two methods
        data.Add("POST", "/items/1", "X-HTTP-Method-Override: DELETE\nX-Method-Override: delete", true, 200, "DELETE");
        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Override_IsJudgedByTheRouteOfTheMethodItNames(string method, string path, string headers, bool token, int status, string? upstreamOverride)
    {
        foreach (var http2 in new[] { false, true })
        {
            using var request = NewRequest(method, path, token, http2);
            foreach (var line in headers.Split('\n'))
            {
                request.Headers.TryAddWithoutValidation(line[..line.IndexOf(':')], line[(line.IndexOf(':') + 1)..].Trim()).Should().BeTrue(line);
            }

            using var response = await fixture.Client(Untrusted, http2).SendAsync(request).WaitAsync(TimeSpan.FromSeconds(20));
            var body = await response.Content.ReadAsStringAsync();
            var where = $"{method} {path} with {headers.Replace('\n', ' ')} over {(http2 ? "HTTP/2" : "HTTP/1.1")}";
            ((int)response.StatusCode).Should().Be(status, $"{where}: {body}");
            if (status != 200)
            {
                body.Should().NotContain("\"headers\"", $"{where} must not reach the upstream");
                continue;
            }

            var echo = System.Text.Json.JsonSerializer.Deserialize<HeaderEchoUpstream.Echo>(body, System.Text.Json.JsonSerializerOptions.Web)!;
            echo.Method.Should().Be(method, where);
            var overrides = echo.Headers.Where(h => h.Key.Replace("_", "-").Contains("Method", StringComparison.OrdinalIgnoreCase) && h.Key.Contains('X', StringComparison.OrdinalIgnoreCase))
                .SelectMany(h => h.Value).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (upstreamOverride is null)
            {
                overrides.Should().BeEmpty($"{where}; upstream received:\n{echo}");
            }
            else
            {
                overrides.Should().OnlyContain(v => v.Equals(upstreamOverride, StringComparison.OrdinalIgnoreCase), $"{where}; upstream received:\n{echo}").And.NotBeEmpty();
            }
        }
    }

    /// <summary>
    /// A query <c>_method</c> (Symfony/Laravel parameter override, Express method-override) in every spelling PHP reads
    /// as <c>$_GET['_method']</c>: refused on a route without <c>"EdgeProxy.MethodOverride": "Allow"</c>, judged like the
    /// headers on one with it. The body's <c>_method</c> is not read (README).
    /// </summary>
    [Theory]
    [InlineData("GET", "/items/1?_method=DELETE", false, 400)]      // read does not allow overrides: refused, not a plain GET the app would act on as DELETE
    [InlineData("GET", "/items/1?%5Fmethod=DELETE", false, 400)]
    [InlineData("GET", "/items/1?.method=DELETE", false, 400)]      // PHP folds '.' and ' ' in names to '_'
    [InlineData("GET", "/items/1?%5f%6Dethod=DELETE", false, 400)]
    [InlineData("GET", "/items/1?a=1&_METHOD=delete", false, 400)]
    [InlineData("GET", "/items/1?_method[]=DELETE", false, 400)]
    [InlineData("GET", "/items/1?q=method&methods=1", false, 200)]  // control: no _method parameter
    [InlineData("POST", "/items/1?_method=DELETE", false, 401)]     // write allows it: DELETE is write too, whose policy answers
    [InlineData("POST", "/items/1?_method=DELETE", true, 200)]
    [InlineData("POST", "/items/1?_method=GET", true, 400)]         // GET would be read: another route
    [InlineData("POST", "/items/1?_method=DELETE&_method=PUT", true, 400)]
    [InlineData("GET", "/override/x?_method=POST", false, 200)]
    [InlineData("GET", "/override/x?_method=DELETE", false, 400)]   // DELETE would be write, which needs a token
    public async Task QueryMethodParameter_IsRefusedOrJudgedLikeTheHeaders(string method, string target, bool token, int status)
    {
        foreach (var http2 in new[] { false, true })
        {
            using var request = NewRequest(method, target, token, http2);

            using var response = await fixture.Client(Untrusted, http2).SendAsync(request).WaitAsync(TimeSpan.FromSeconds(20));
            var body = await response.Content.ReadAsStringAsync();
            var where = $"{method} {target} over {(http2 ? "HTTP/2" : "HTTP/1.1")}";
            ((int)response.StatusCode).Should().Be(status, $"{where}: {body}");
            if (status == 200)
            {
                System.Text.Json.JsonSerializer.Deserialize<HeaderEchoUpstream.Echo>(body, System.Text.Json.JsonSerializerOptions.Web)!.Method.Should().Be(method, where);
            }
            else
            {
                body.Should().NotContain("\"headers\"", $"{where} must not reach the upstream");
            }

            if (status == 400)
            {
                body.Should().Match(b => b.Contains("_method", StringComparison.Ordinal) || b.Contains("read as", StringComparison.Ordinal), where);
            }
        }
    }

    /// <summary>A request from the untrusted client: exactly the HTTP version asked for, the token when asked, a body on POST.</summary>
    private HttpRequestMessage NewRequest(string method, string target, bool token, bool http2)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), target) { Version = http2 ? HttpVersion.Version20 : HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        if (token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Token);
        }

        if (method == "POST")
        {
            request.Content = new StringContent("{}");
        }

        return request;
    }
}
