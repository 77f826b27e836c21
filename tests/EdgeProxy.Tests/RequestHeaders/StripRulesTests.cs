using EdgeProxy.RequestHeaders;

namespace EdgeProxy.Tests.RequestHeaders;

/// <summary>The strip list as a lookup: spellings, precedence, the operator's additions.</summary>
public sealed class StripRulesTests
{
    private static readonly StripRules Default = new([], [], []);

    [Theory]
    [InlineData("X-Forwarded-For", "ClientAddress", "Strip")]
    [InlineData("x_forwarded_for", "ClientAddress", "Strip")]
    [InlineData("X.FORWARDED.FOR", "ClientAddress", "Strip")]
    [InlineData("X-Forwarded-For\v", "ClientAddress", "Strip")]
    [InlineData("-X--Forwarded--For-", "ClientAddress", "Strip")]
    [InlineData("X-Forwarded-Client-Cert", "Certificate", "Strip")] // exact wins over X-Forwarded-*
    [InlineData("X-Forwarded-Tls-Client-Cert-Info", "Certificate", "Strip")] // longer prefix wins
    [InlineData("X-Forwarded-Uri", "UrlOverride", "Strip")]
    [InlineData("X-Forwarded-Email", "Identity", "Strip")]
    [InlineData("X-Forwarded-Anything", "ClientAddress", "Strip")]
    [InlineData("CloudFront-Viewer-Cert-Pem", "Certificate", "Strip")]
    [InlineData("CloudFront-Viewer-Country", "ClientAddress", "Strip")]
    [InlineData("X-Remote-Extra-Scopes", "Identity", "Strip")]
    [InlineData("X-Remote-Addr", "ClientAddress", "Strip")]
    [InlineData("X-MS-TOKEN-AAD-ID-TOKEN", "Identity", "Strip")]
    [InlineData("x-goog-authenticated-user-email", "Identity", "Strip")]
    [InlineData("ssl-client-subject-dn", "Certificate", "Strip")]
    [InlineData("X-Amzn-Mtls-Clientcert-Leaf", "Certificate", "Strip")]
    [InlineData("Cf-Access-Jwt-Assertion", "Identity", "Strip")]
    [InlineData("X-Envoy-Original-Dst-Host", "UrlOverride", "Strip")]
    [InlineData("X-Original-URL", "UrlOverride", "Strip")]
    [InlineData("X-Original-Method", "UrlOverride", "Strip")]
    [InlineData("X-HTTP-Method-Override", "MethodOverride", "MethodOverride")]
    [InlineData("x_http_method", "MethodOverride", "MethodOverride")]
    public void ListedName_IsFoundInAnySpelling(string name, string family, string action)
    {
        Default.TryClassify(name, out var rule).Should().BeTrue(name);

        rule.Should().Be(new HeaderRule(Enum.Parse<HeaderFamily>(family), Enum.Parse<HeaderAction>(action)));
    }

    [Theory]
    [InlineData("Accept")]
    [InlineData("Cookie")]
    [InlineData("Authorization")]
    [InlineData("traceparent")]
    [InlineData("X-Amzn-Trace-Id")]
    [InlineData("X-Request-Id")]
    [InlineData("CloudFront-Is-Mobile-Viewer")]
    [InlineData("Via")]
    [InlineData("X")]
    [InlineData("---")]
    public void UnlistedName_IsLeftAlone(string name) => Default.TryClassify(name, out _).Should().BeFalse(name);

    [Fact]
    public void EveryListedName_IsFound_InEverySpelling()
    {
        foreach (var known in KnownRequestHeaders.All)
        {
            var name = known.IsPrefix ? known.Name.TrimEnd('*') + "Tail" : known.Name;
            foreach (var spelling in new[] { name, name.ToLowerInvariant(), name.ToUpperInvariant().Replace('-', '_'), name.Replace('-', '.'), name + ";" })
            {
                Default.TryClassify(spelling, out var rule).Should().BeTrue(spelling);
                if (!known.IsPrefix)
                {
                    rule.Family.Should().Be(known.Family, spelling);
                }
            }
        }
    }

    [Fact]
    public void OperatorNames_AreAdded_AndAcceptedNamesAreKeptForTrustedPeers()
    {
        var rules = new StripRules(["X-MyCorp-User", "X-Tenant-*"], ["X-Goog-Authenticated-User-Email", "X-Team-*"], ["SSL_CLIENT_CERT"]);

        Classify(rules, "x_mycorp_user").Should().Be(new HeaderRule(HeaderFamily.Identity, HeaderAction.Strip));
        Classify(rules, "X-Tenant-Id").Should().Be(new HeaderRule(HeaderFamily.Identity, HeaderAction.Strip));
        Classify(rules, "X-Goog-Authenticated-User-Email").Should().Be(new HeaderRule(HeaderFamily.Identity, HeaderAction.StripUnlessTrusted));
        Classify(rules, "X-Goog-Authenticated-User-Id").Should().Be(new HeaderRule(HeaderFamily.Identity, HeaderAction.Strip), "only the name listed is accepted");
        Classify(rules, "X-Team-Name").Should().Be(new HeaderRule(HeaderFamily.Identity, HeaderAction.StripUnlessTrusted), "an accepted name that is not built in is still removed from untrusted peers");
        Classify(rules, "ssl-client-cert").Should().Be(new HeaderRule(HeaderFamily.Certificate, HeaderAction.Strip));
    }

    [Fact]
    public void OwnedNames_AreNeverAccepted_WhateverTheOptionsSay()
    {
        var rules = new StripRules([], ["X-Forwarded-For", "X-Auth-Request-User"], []);

        Classify(rules, "X-Forwarded-For").Action.Should().Be(HeaderAction.Strip);
        Classify(rules, "X-Auth-Request-User").Action.Should().Be(HeaderAction.Strip);
    }

    private static HeaderRule Classify(StripRules rules, string name)
    {
        rules.TryClassify(name, out var rule).Should().BeTrue(name);
        return rule;
    }
}
