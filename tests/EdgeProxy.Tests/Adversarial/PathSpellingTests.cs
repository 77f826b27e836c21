using System.Text.Json;
using EdgeProxy.Tests.Infrastructure;
using static EdgeProxy.Tests.Adversarial.AdversarialFixture;

namespace EdgeProxy.Tests.Adversarial;

/// <summary>
/// Request targets written byte for byte over HTTP/1.1 and as <c>:path</c> over HTTP/2. <c>/admin/{**rest}</c> is
/// open to 127.0.0.5 only; every spelling of it from 127.0.0.9 must be refused (403 from the admin route, or 400 for
/// a spelling servers disagree on), never served by the catch-all. What is served must reach the upstream exactly
/// as the canonical path, with the client's escapes: <see cref="HeaderEchoUpstream.Echo.RawTarget"/>.
/// </summary>
[Collection(AdversarialSuite.Name)]
public sealed class PathSpellingTests(AdversarialFixture fixture)
{
    private const int Refused = 400;

    public static TheoryData<string, int, string?> Rows() => new()
    {
        // Doubled slashes and dot segments are made canonical, then routed: the admin route's rule applies.
        { "//admin/x", 403, null }, { "/.//admin/x", 403, null }, { "/./admin/x", 403, null }, { "/x/../admin/x", 403, null },
        { "/x/%2e%2e/admin/x", 403, null }, { "/x/.%2E/admin/x", 403, null }, { "/admin//x", 403, null }, { "///admin///x", 403, null },
        // Case and escaped letters: routing ignores case, Kestrel decodes %61.
        { "/Admin/x", 403, null }, { "/ADMIN/x", 403, null }, { "/%61dmin/x", 403, null }, { "/%41DMIN/x", 403, null },
        // Spellings servers read differently: refused on every route that does not pass them as sent.
        { "/admin;x/y", Refused, null }, { "/admin;jsessionid=1/x", Refused, null }, { "/public;x/y", Refused, null },
        { "/\\admin/x", Refused, null }, { "/admin\\x", Refused, null }, { "/%5Cadmin/x", Refused, null }, { "/%5cadmin/x", Refused, null },
        { "/x/..%2fadmin", Refused, null }, { "/x/..%2F..%2Fadmin", Refused, null }, { "/x%2F..%2Fadmin/x", Refused, null },
        { "/x%252Fadmin", Refused, null }, { "/x%2500", Refused, null }, { "/%252e%252e/admin", Refused, null },
        // The same double encoding with its hex digits encoded too: decoded once, each is %2F, %5C or ..%2F again.
        { "/x%25%32%46admin", Refused, null }, { "/x%%32%46admin", Refused, null }, { "/x%2%46admin", Refused, null },
        { "/public/..%25%32%46..%25%32%46admin/x", Refused, null }, { "/x%25%35%43admin", Refused, null }, { "/x%25%33%42y", Refused, null },
        { "/x%0D%0Ay", Refused, null }, { "/x%0Ay", Refused, null }, { "/x%09y", Refused, null }, { "/x%1By", Refused, null },
        { "/x%7Fy", Refused, null }, { "/x%C2%85y", Refused, null }, { "/x%00", Refused, null },
        // An encoded slash is passed on exactly, unless reading it as a slash would pick another route.
        { "/admin%2Fx", Refused, null }, { "/admin%2fx", Refused, null }, { "/files/a%2Fb", Refused, null },
        { "/public%2Fx", 200, "/public%2Fx" }, { "/api/a%2Fb", 200, "/api/a%2Fb" }, { "/api/a%2fb%2F", 200, "/api/a%2fb%2F" },
        // A route that takes paths as sent still may not be a way into another route.
        { "/raw/a;b", 200, "/raw/a;b" }, { "/raw/a%5Cb", 200, "/raw/a%5Cb" }, { "/raw/a\\b", 200, "/raw/a%5Cb" }, { "/raw/a%0Ab", 200, "/raw/a%0Ab" },
        { "/raw/x%252Fy", 200, "/raw/x%252Fy" }, { "/raw/..;/admin/x", Refused, null }, { "/raw/x\\..\\..\\admin/x", Refused, null },
        { "/raw/%252e%252e/%252e%252e/admin/x", Refused, null }, { "/raw/..%%32%46..%%32%46admin/x", Refused, null },
        { "/raw/..%25%32%46..%25%32%46admin/x", Refused, null }, { "/raw/..%2%46..%2%46admin/x", Refused, null }, { "/raw/x%%32%46y", 200, "/raw/x%25%32%46y" },
        { "/raw/a%2Fb%5Cc;d%0Be", Refused, null }, { "/raw/a%252Fb%5Cc;d", Refused, null }, { "/raw/a%2Fb%5Cc;d", Refused, null }, { "/raw/a%2Fb;c", 200, "/raw/a%2Fb;c" }, { "/raw/a%5Cb%0Bc", 200, "/raw/a%5Cb%0Bc" }, { "/raw/..%2F..%2Fadmin/x", Refused, null }, { "/raw;x/../admin/x", 403, null },
        // Ordinary paths: canonical, escapes kept as written.
        { "/public//a///b", 200, "/public/a/b" }, { "/a/./b/../c", 200, "/a/c" }, { "/a//../b", 200, "/b" }, { "/x/", 200, "/x/" },
        { "/x%25y", 200, "/x%25y" }, { "/caf%C3%A9", 200, "/caf%C3%A9" }, { "/a%20b", 200, "/a%20b" }, { "/a%41b", 200, "/a%41b" },
        { "/files/a%20b", 200, "/files/a%20b" }, { "/echo?q=%0D%0A", 200, "/echo?q=%0D%0A" }, { "/echo?a=b//c", 200, "/echo?a=b//c" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Spelling_IsRoutedAsItIsServed(string target, int status, string? upstream)
    {
        var http1 = RawHttp1.SendAsync(fixture.Port, RawHttp1.Get(target), Untrusted);
        var http2 = RawHttp2.SendAsync(fixture.Port, RawHttp2.Get(target), source: Untrusted);

        Check("HTTP/1.1", target, (await http1).Status, (await http1).Body, status, upstream, (await http1).ToString());
        var h2 = await http2;
        Check("HTTP/2", target, h2.Refused ? Refused : h2.Status, h2.Body, status, upstream, h2.ToString());
    }

    [Theory]
    [InlineData("//admin/x", "/admin/x")]
    [InlineData("/Admin//x", "/Admin/x")]
    [InlineData("/%61dmin/./x", "/%61dmin/x")]
    public async Task AllowedClient_GetsTheAdminRouteUnderItsCanonicalPath(string target, string upstream)
    {
        var response = await RawHttp1.SendAsync(fixture.Port, RawHttp1.Get(target), AdminClient);

        Check("HTTP/1.1", target, response.Status, response.Body, 200, upstream, response.ToString());
    }

    [Theory]
    [InlineData("https://localhost/admin//x", 403)]
    [InlineData("https://localhost//admin/x", 403)]
    [InlineData("https://localhost/admin;x/y", Refused)]
    public async Task AbsoluteFormTarget_IsMadeCanonicalToo(string target, int status)
    {
        var response = await RawHttp1.SendAsync(fixture.Port, RawHttp1.Get(target), Untrusted);

        response.Status.Should().Be(status, response.ToString());
    }

    private static void Check(string protocol, string target, int actual, string body, int status, string? upstream, string view)
    {
        actual.Should().Be(status, $"{target} over {protocol}:\n{view}");
        if (status != 200)
        {
            body.Should().NotContain("\"headers\"", $"{target} over {protocol} must not reach the upstream");
            return;
        }

        var echo = JsonSerializer.Deserialize<HeaderEchoUpstream.Echo>(body, JsonSerializerOptions.Web)!;
        echo.RawTarget.Should().Be(upstream, $"{target} over {protocol}; upstream received:\n{echo}");
    }
}
