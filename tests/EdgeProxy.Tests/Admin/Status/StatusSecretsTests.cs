using System.Text.Json.Nodes;

namespace EdgeProxy.Tests.Admin.Status;

/// <summary>
/// No secret reaches the status page or its JSON: a PFX password, a destination's user info and query, a header
/// value a transform sets or a route matches on, a JWT authority, and what a client sent (Authorization, Cookie,
/// X-Forwarded-For, query string) on a request that then failed upstream and was listed.
/// </summary>
[Collection(StatusPageGroup.Name)]
public sealed class StatusSecretsTests(StatusFixture fixture)
{
    [Fact]
    public async Task NoConfiguredOrClientSecret_AppearsInThePageOrTheJson()
    {
        using var admin = fixture.Admin();
        var page = await admin.GetStringAsync("/");
        var json = await admin.GetStringAsync("/status.json");
        var script = await admin.GetStringAsync("/status.js");

        json.Should().Contain("hostile\\u003Cb\\u003Ecluster", "the cluster with the secret-laden destination is listed");
        JsonNode.Parse(json)!["upstreamFailures"]!.AsArray().Should().HaveCountGreaterThanOrEqualTo(2, "the forged request failed and is listed");
        foreach (var secret in StatusFixture.Secrets)
        {
            page.Should().NotContainEquivalentOf(secret);
            json.Should().NotContainEquivalentOf(secret);
            script.Should().NotContainEquivalentOf(secret);
        }

        page.Should().NotContain("BEGIN", "no PEM block").And.NotContain("PRIVATE KEY");
        json.Should().NotContain("BEGIN").And.NotContain("PRIVATE KEY").And.NotContainEquivalentOf("password");
    }
}
