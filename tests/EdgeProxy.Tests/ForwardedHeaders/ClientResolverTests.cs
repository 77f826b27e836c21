using System.Net;
using EdgeProxy.ForwardedHeaders;

namespace EdgeProxy.Tests.ForwardedHeaders;

/// <summary>The trust walk and its parsers on their own: the inputs no well-behaved client would send.</summary>
public sealed class ClientResolverTests
{
    private static readonly TrustedNetworks Trusted = TrustedNetworks.Parse("127.0.0.2, 10.0.0.0/8, 2001:db8::/32", null);
    private static readonly IPAddress Peer = IPAddress.Parse("127.0.0.2");

    private static ForwardedClient Resolve(string header, string value, ForwardedSource source = ForwardedSource.XForwardedFor)
    {
        var headers = new HeaderDictionary { [header] = value };
        return ClientResolver.Resolve(Peer, headers, Trusted, source);
    }

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData(" 203.0.113.7 ,\t10.0.0.1 ", "203.0.113.7")]
    [InlineData("", "127.0.0.2")]
    [InlineData(",", "127.0.0.2")]
    [InlineData(",203.0.113.7", "203.0.113.7")]
    [InlineData("203.0.113.7,", "127.0.0.2")]
    [InlineData("1.2.3.4.5", "127.0.0.2")]
    [InlineData("256.1.1.1", "127.0.0.2")]
    [InlineData("01.2.3.4", "127.0.0.2")]
    [InlineData("0.0.0.0, 203.0.113.7", "203.0.113.7")]
    [InlineData("1.2.3.4444", "127.0.0.2")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("fe80::1%eth0", "127.0.0.2")]
    [InlineData("\"203.0.113.7\"", "127.0.0.2")]
    [InlineData("203.0.113.7\u0000", "127.0.0.2")]
    [InlineData("203.0.113.7, 2001:db8::5, 2001:db8::6", "203.0.113.7")]
    public void XForwardedFor_Table(string xff, string expected) =>
        Resolve("X-Forwarded-For", xff).Client.ToString().Should().Be(expected);

    [Theory]
    [InlineData("203.0.113.7", false)]
    [InlineData("10.0.0.9, 10.0.0.1", false)]
    [InlineData("203.0.113.7, garbage", true)]
    [InlineData("garbage, 203.0.113.7", false)] // the walk ended at the client; what lies left of it is never read
    public void XForwardedFor_StoppedEarly_OnlyWhenAnUnusableEntryEndedTheWalk(string xff, bool expected) =>
        Resolve("X-Forwarded-For", xff).StoppedEarly.Should().Be(expected);

    [Fact]
    public void XForwardedFor_64KiBOfCommas_DoesNotCrash_AndTrustsNothing()
    {
        var client = Resolve("X-Forwarded-For", new string(',', 64 * 1024));

        client.Client.Should().Be(Peer);
        client.ForwardedFor.Should().Be("127.0.0.2");
    }

    [Fact]
    public void XForwardedFor_64KiBOfOneEntry_DoesNotCrash()
    {
        Resolve("X-Forwarded-For", new string('9', 64 * 1024)).Client.Should().Be(Peer);
    }

    [Fact]
    public void XForwardedFor_SeveralLines_AreOneList_InOrder()
    {
        var headers = new HeaderDictionary { ["X-Forwarded-For"] = new(["1.2.3.4", "203.0.113.7, 10.0.0.1"]) };

        var client = ClientResolver.Resolve(Peer, headers, Trusted, ForwardedSource.XForwardedFor);

        client.Client.ToString().Should().Be("203.0.113.7");
        client.ForwardedFor.Should().Be("203.0.113.7, 10.0.0.1, 127.0.0.2");
    }

    [Theory]
    [InlineData("for=203.0.113.7", "203.0.113.7")]
    [InlineData("For=203.0.113.7", "203.0.113.7")]
    [InlineData("for=\"[2001:db9::7]\"", "2001:db9::7")]
    [InlineData("for=\"[2001:db9::7]:80\"", "2001:db9::7")]
    [InlineData("for=\"[2001:db9::7]:x\"", "127.0.0.2")]
    [InlineData("for=\"[2001:db9::7\"", "127.0.0.2")]
    [InlineData("for=\"2001:db9::7\"", "127.0.0.2")]
    [InlineData("for=\"[203.0.113.7]\"", "127.0.0.2")]
    [InlineData("for=unknown", "127.0.0.2")]
    [InlineData("for=\"_hidden\"", "127.0.0.2")]
    [InlineData("for=203.0.113.7;proto=https;by=10.0.0.1", "203.0.113.7")]
    [InlineData("for=203.0.113.7;;proto=https", "203.0.113.7")]
    [InlineData("for=203.0.113.7 ; proto=https", "203.0.113.7")]
    [InlineData("for=203.0.113.7;proto", "127.0.0.2")]
    [InlineData("for=203.0.113.7;=x", "127.0.0.2")]
    [InlineData("for=\"20\\3.0.113.7\"", "127.0.0.2")]
    [InlineData("for=1.1.1.1, for=\"a,b\", for=203.0.113.7", "203.0.113.7")]
    [InlineData("for=\"a\\\",b\", for=203.0.113.7", "203.0.113.7")]
    [InlineData("proto=https", "127.0.0.2")]
    public void Forwarded_Table(string forwarded, string expected) =>
        Resolve("Forwarded", forwarded, ForwardedSource.Forwarded).Client.ToString().Should().Be(expected);

    [Fact]
    public void Forwarded_ProtoAndHost_AreTheClientElements()
    {
        var client = Resolve("Forwarded", "for=1.2.3.4;proto=http;host=evil, for=203.0.113.7;proto=https;host=\"app.example.com:8443\", for=10.0.0.1;proto=http;host=lb", ForwardedSource.Forwarded);

        client.Client.ToString().Should().Be("203.0.113.7");
        client.Proto.Should().Be("https");
        client.Host.Should().Be("app.example.com:8443");
        client.Port.Should().Be("8443");
    }

    [Theory]
    [InlineData("/apps/my-app/x", "/x", null, "", "/apps/my-app")]
    [InlineData("/apps/my-app/", "/", null, "", "/apps/my-app")]
    [InlineData("/apps/my-app", "", null, "", "/apps/my-app")]
    [InlineData("/x", "/x", null, "", null)]
    [InlineData("/api/x", "/v2/x", null, "", null)]
    [InlineData("/x", "/prefix/x", null, "", null)]
    [InlineData("/x", "/x", "/outer", "", "/outer")]
    [InlineData("/apps/a/x", "/x", "/outer", "/base", "/outer/base/apps/a")]
    public void Prefix_IsWhatTheRouteStripped(string original, string forwarded, string? outer, string pathBase, string? expected) =>
        ForwardedHeadersTransform.Prefix(outer, new PathString(pathBase.Length == 0 ? null : pathBase), new PathString(original), new PathString(forwarded.Length == 0 ? null : forwarded))
            .Should().Be(expected);

    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("::ffff:10.1.2.3", true)]
    [InlineData("11.1.2.3", false)]
    [InlineData("2001:db8:ffff::1", true)]
    [InlineData("2001:db9::1", false)]
    [InlineData("127.0.0.2", true)]
    [InlineData("127.0.0.3", false)]
    public void TrustedNetworks_Contains(string address, bool expected) => Trusted.Contains(IPAddress.Parse(address)).Should().Be(expected);

    [Fact]
    public void EmptyNetworks_TrustNobody()
    {
        TrustedNetworks.None.Contains(IPAddress.Loopback).Should().BeFalse();
        TrustedNetworks.Parse("", null).Contains(IPAddress.Parse("10.0.0.1")).Should().BeFalse();
    }

    [Fact]
    public void MappedIpv6Network_MatchesIpv4Peers()
    {
        var networks = TrustedNetworks.Parse("::ffff:10.0.0.0/104", null);

        networks.Contains(IPAddress.Parse("10.9.9.9")).Should().BeTrue();
        networks.Contains(IPAddress.Parse("11.9.9.9")).Should().BeFalse();
    }
}
