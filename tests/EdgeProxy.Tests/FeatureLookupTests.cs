using System.Net;
using EdgeProxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeProxy.Tests;

/// <summary>
/// <see cref="FeatureLookup.Find{T}"/> finds what Kestrel's own <c>Get&lt;T&gt;</c> finds, on a real TLS connection over
/// HTTP/1.1 and HTTP/2: a feature of the request, one of the connection (as EdgeProxy's listener and client-certificate
/// state are), a request's feature over the connection's of the same type (a certificate vouched for by a trusted
/// terminator over the connection's own), Kestrel's own TLS feature, and nothing for an absent one. The middlewares
/// that depend on it (421, the HTTPS redirect, client certificates) would all fail closed or open without it.
/// </summary>
public sealed class FeatureLookupTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Find_SeesWhatGetSees_OnTheRequest_OnTheConnection_AndNothingWhenAbsent(bool http2)
    {
        var certificate = TestPki.Instance.IssueServer("localhost", ["localhost", "127.0.0.1"]);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1AndHttp2;
            listen.UseHttps(certificate);
            listen.Use(next => connection =>
            {
                connection.Features.Set(new OnTheConnection("connection"));
                connection.Features.Set(new Overridden("connection"));
                return next(connection);
            });
        }));
        await using var app = builder.Build();
        app.Run(context =>
        {
            var features = context.Features;
            features.Set(new OnTheRequest("request"));
            features.Set(new Overridden("request"));
            var found = new[]
            {
                Same(features.Find<OnTheRequest>(), features.Get<OnTheRequest>()),
                Same(features.Find<OnTheConnection>(), features.Get<OnTheConnection>()),
                Same(features.Find<Overridden>(), features.Get<Overridden>()),
                Same(features.Find<ITlsHandshakeFeature>()?.Protocol.ToString(), features.Get<ITlsHandshakeFeature>()?.Protocol.ToString()),
                Same(features.Find<IHttpRequestFeature>()?.Protocol, features.Get<IHttpRequestFeature>()?.Protocol),
                Same(features.Find<Absent>(), features.Get<Absent>()) ?? "null",
            };
            return context.Response.WriteAsync(string.Join('|', found));
        });
        await app.StartAsync();
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;

        using var client = TestClients.Https(port, http2: http2, trustAny: true); // the leaf alone is sent: this test is not about the chain
        var response = await client.GetAsync("/");

        response.Version.Should().Be(http2 ? HttpVersion.Version20 : HttpVersion.Version11);
        (await response.Content.ReadAsStringAsync()).Should().Be($"request|connection|request|Tls13|{(http2 ? "HTTP/2" : "HTTP/1.1")}|null");
    }

    /// <summary>The found value when both ways found the same object, else a mismatch the assertion shows.</summary>
    private static string? Same<T>(T? found, T? got)
        where T : class =>
        Equals(found, got) ? found?.ToString() : $"mismatch: Find {found?.ToString() ?? "null"}, Get {got?.ToString() ?? "null"}";

    private sealed record OnTheRequest(string Where)
    {
        public override string ToString() => Where;
    }

    private sealed record OnTheConnection(string Where)
    {
        public override string ToString() => Where;
    }

    private sealed record Overridden(string Where)
    {
        public override string ToString() => Where;
    }

    private sealed class Absent;
}
