using System.Net;
using EdgeProxy.RequestHeaders;
using EdgeProxy.Tests.Infrastructure;
using static EdgeProxy.Tests.Adversarial.AdversarialFixture;

namespace EdgeProxy.Tests.Adversarial;

/// <summary>
/// Every header on the strip list, the operator's additions and the names accepted from trusted peers, each in
/// three spellings (as listed; UPPER_WITH_UNDERSCORES; lower.with.dots), sent with a forged value from an untrusted
/// (127.0.0.9) and a trusted (127.0.0.2) source over HTTP/1.1 and HTTP/2, and each again behind <c>Grpc-Metadata-</c>
/// (grpc-gateway's way into gRPC metadata). The forged value must reach the upstream nowhere, except a name listed
/// under AcceptFromTrustedProxies, spelled as listed (case aside), sent by the trusted peer, which must arrive intact.
/// Each row sends its four requests at once; a failure shows what the upstream received.
/// </summary>
[Collection(AdversarialSuite.Name)]
public sealed class HeaderSpoofingTests(AdversarialFixture fixture)
{
    public static TheoryData<string> Rows()
    {
        var data = new TheoryData<string>();
        foreach (var name in Names().Concat(Names().Select(n => "Grpc-Metadata-" + n)).SelectMany(Spellings).Distinct(StringComparer.Ordinal))
        {
            data.Add(name);
        }

        return data;
    }

    /// <summary>Each listed name; a prefix as itself and with a suffix (<c>X-MS-Token-*</c> → <c>X-MS-Token-Aad-Id-Token</c>).</summary>
    public static IEnumerable<string> Names() =>
        KnownRequestHeaders.All.Select(h => h.Name)
            .Concat(KnownRequestHeaders.Owned)
            .Concat(OperatorStrip)
            .Concat(AcceptedFromTrusted)
            .Select(name => name.EndsWith('*') ? name.TrimEnd('*', '-') + (name.EndsWith("-*", StringComparison.Ordinal) ? "-Aad-Id-Token" : "-Verify") : name)
            .Distinct(StringComparer.OrdinalIgnoreCase);

    public static IEnumerable<string> Spellings(string name) =>
        [name, name.ToUpperInvariant().Replace('-', '_'), name.ToLowerInvariant().Replace('-', '.')];

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task ForgedHeader_ReachesTheUpstreamOnlyWhenATrustedPeerMaySendIt(string header)
    {
        var attempts = await Task.WhenAll(
            from source in new[] { Untrusted, Trusted }
            from http2 in new[] { false, true }
            select SendAsync(header, source, http2));

        attempts.Where(a => a.Problem is not null).Select(a => a.Problem).Should().BeEmpty();
    }

    /// <summary>
    /// A front end sets its own spelling of an accepted header and passes a client's other spellings on (HAProxy, ALB),
    /// which CGI, PHP and WSGI read as the same variable: from the trusted peer only the listed spelling is kept.
    /// </summary>
    [Theory]
    [InlineData("X-Goog-Authenticated-User-Email", true)]
    [InlineData("x-goog-authenticated-user-email", true)]
    [InlineData("x_goog_authenticated_user_email", false)]
    [InlineData("XGoog-Authenticated-User-Email", false)]
    [InlineData("X-Goog-Authenticated-User.Email", false)]
    [InlineData("X-Goog-Authenticated-User-Email-", false)]
    [InlineData("cf_ipcountry", false)]
    [InlineData("CF-IPCountry", true)]
    public async Task AcceptedName_IsKeptFromATrustedPeerOnlyAsListed(string header, bool keptFromTrusted)
    {
        foreach (var (source, trusted) in new[] { (Trusted, true), (IPAddress.Parse("127.0.0.3"), false) })
        {
            foreach (var http2 in new[] { false, true })
            {
                var marker = $"forged value {Guid.NewGuid():N}";
                using var request = new HttpRequestMessage(HttpMethod.Get, "/echo") { Version = http2 ? HttpVersion.Version20 : HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
                request.Headers.TryAddWithoutValidation(header, marker).Should().BeTrue(header);
                using var response = await fixture.Client(source, http2).SendAsync(request).WaitAsync(TimeSpan.FromSeconds(20));
                response.StatusCode.Should().Be(HttpStatusCode.OK);
                var echo = await HeaderEchoUpstream.ReadAsync(response);
                var arrived = echo.Headers.Where(h => h.Value.Any(v => v.Contains(marker, StringComparison.Ordinal))).Select(h => h.Key).ToList();
                arrived.Should().HaveCount(trusted && keptFromTrusted ? 1 : 0, $"{header} from {source} over {(http2 ? "HTTP/2" : "HTTP/1.1")}; upstream received:\n{echo}");
            }
        }
    }

    [Fact]
    public void Table_HasAtLeastThreeHundredRows() => Rows().Count.Should().BeGreaterThanOrEqualTo(300);

    private async Task<(string? Problem, string View)> SendAsync(string header, IPAddress source, bool http2)
    {
        var marker = $"forged value {Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(HttpMethod.Get, "/echo") { Version = http2 ? HttpVersion.Version20 : HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.TryAddWithoutValidation(header, marker).Should().BeTrue(header);
        request.Headers.TryAddWithoutValidation("X-Benign", marker); // control: an unlisted header must arrive, or the check proves nothing

        using var response = await fixture.Client(source, http2).SendAsync(request).WaitAsync(TimeSpan.FromSeconds(20));
        var where = $"{header} from {source} over {(http2 ? "HTTP/2" : "HTTP/1.1")}";
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return ($"{where}: status {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}", string.Empty);
        }

        var echo = await HeaderEchoUpstream.ReadAsync(response);
        var carrying = echo.Headers.Where(h => h.Value.Any(v => v.Contains(marker, StringComparison.Ordinal))).Select(h => h.Key).ToList();
        var accepted = source.Equals(Trusted) && AcceptedFromTrusted.Any(a => a.Equals(header, StringComparison.OrdinalIgnoreCase));
        var problem = (accepted, carrying.Where(c => !c.Equals("X-Benign", StringComparison.OrdinalIgnoreCase)).ToList()) switch
        {
            _ when !carrying.Contains("X-Benign", StringComparer.OrdinalIgnoreCase) => $"{where}: the unlisted control header did not arrive",
            (false, { Count: > 0 } forged) => $"{where}: the forged value reached the upstream in {string.Join(", ", forged)}",
            (true, { Count: 0 }) => $"{where}: accepted from the trusted peer, but it did not arrive",
            _ => (string?)null,
        };
        return (problem is null ? null : problem + "\nupstream received:\n" + echo, echo.ToString());
    }
}
