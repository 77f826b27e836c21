using System.Net;
using System.Net.Quic;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EdgeProxy.Tls;

/// <summary>
/// Binds the configured endpoints on the host's Kestrel and the admin listener on its own server
/// (<see cref="Admin.AdminServer"/>). TLS endpoints answer every handshake from <see cref="TlsEndpoint"/>,
/// which serves cached, reloadable certificate contexts with the full chain.
/// </summary>
internal sealed class ListenerBinder(ListenerPlan plan, CertificateStore store, ILoggerFactory loggerFactory, ClientCertificates.ClientCertificateHandshake clientCertificates, ClientCertificates.ClientCertificateConnectionGate clientCertificateGate, Acme.AcmeCertificates acme, Acme.TlsAlpnChallenges tlsAlpn)
{
    public List<ListenerFeature> Listeners { get; } = [];

    public List<TlsEndpoint> TlsEndpoints { get; } = [];

    /// <summary>The port the first https listener is bound to, once bound.</summary>
    public int? HttpsPort => Listeners.FirstOrDefault(l => l.Kind == ListenerKind.Https)?.BoundPort is > 0 and var port ? port : null;

    public static bool IsBindableHost(string host) =>
        host is "*" or "+" or "localhost" || IPAddress.TryParse(host.Trim('[', ']'), out _);

    public void Bind(KestrelServerOptions options)
    {
        foreach (var endpoint in plan.Endpoints)
        {
            var kind = endpoint.IsHttps ? ListenerKind.Https : ListenerKind.Http;
            Listen(options, endpoint.Address, listen =>
            {
                var tls = endpoint.IsHttps ? CreateTlsEndpoint(endpoint) : null;
                Tag(listen, endpoint.Name, kind, tls);
                options.ApplicationServices.GetService<ForwardedHeaders.ProxyProtocolConnections>()?.Attach(listen, endpoint.Name); // PROXY protocol precedes TLS
                if (tls is not null)
                {
                    TlsEndpoints.Add(tls);
                    listen.Protocols = TcpProtocols(endpoint);
                    if (acme.Settings?.Challenges.Contains(Acme.AcmeChallengeType.TlsAlpn01) == true)
                    {
                        listen.Use(next => Acme.TlsAlpnPeekMiddleware.Create(next, tlsAlpn)); // marks TLS-ALPN-01 validations, consumes nothing
                    }

                    listen.UseHttps(new TlsHandshakeCallbackOptions { OnConnection = tls.SelectAsync });
                    if (RequiresCertificates(endpoint))
                    {
                        listen.Use(clientCertificateGate.Create); // a refused certificate whose verdict came after the handshake: closed before any request
                    }
                }
                else
                {
                    // Cleartext HTTP/2 needs prior knowledge no browser has; HTTP/1.1 is what the redirect needs.
                    listen.Protocols = endpoint.Protocols == HttpProtocols.Http2 ? HttpProtocols.Http2 : HttpProtocols.Http1;
                }
            });
        }
    }

    /// <summary>The admin listener's addresses on the admin server's options; false when there are none.</summary>
    public bool BindAdmin(KestrelServerOptions options)
    {
        foreach (var admin in plan.AdminAddresses)
        {
            Listen(options, admin, listen =>
            {
                Tag(listen, "Admin", ListenerKind.Admin);
                listen.Protocols = HttpProtocols.Http1;
            });
        }

        return plan.AdminAddresses.Count > 0;
    }

    private TlsEndpoint CreateTlsEndpoint(EndpointSpec endpoint)
    {
        var fallback = endpoint.Tls.Certificate is { } own ? new TlsProfile(store.GetOrLoad(own), endpoint.Tls, clientCertificates) : null;
        if (fallback is null && endpoint.Sni.Count == 0)
        {
            fallback = new TlsProfile(store.GetOrLoad(plan.SelfSigned!), endpoint.Tls, clientCertificates);
        }

        var sni = endpoint.Sni
            .Where(s => s.Tls.Certificate is not null)
            .Select(s => (s.Host, new TlsProfile(store.GetOrLoad(s.Tls.Certificate!), s.Tls, clientCertificates)))
            .ToList();
        // ACME-managed names: after exact SNI entries (a file certificate for a host wins), before wildcards.
        var acmeProfiles = acme.Settings is null ? null : new Acme.AcmeEndpointProfiles(
            acme, tlsAlpn, endpoint.Tls, clientCertificates, plan.SelfSigned is { } selfSigned ? new TlsProfile(store.GetOrLoad(selfSigned), endpoint.Tls with { Certificate = selfSigned }, clientCertificates) : null);
        return new TlsEndpoint(endpoint.Key, fallback, sni, loggerFactory.CreateLogger<TlsEndpoint>(), acmeProfiles);
    }

    private static bool RequiresCertificates(EndpointSpec endpoint) =>
        endpoint.Tls.ClientCertificateMode == ClientCertificateMode.RequireCertificate || endpoint.Sni.Any(s => s.Tls.ClientCertificateMode == ClientCertificateMode.RequireCertificate);

    private static HttpProtocols TcpProtocols(EndpointSpec endpoint)
    {
        var all = endpoint.Sni.Aggregate(endpoint.Protocols, (acc, s) => acc | s.Tls.Protocols);
        all &= ~HttpProtocols.Http3; // HTTP/3 runs over QUIC, bound separately when the platform has it.
        return all == HttpProtocols.None ? HttpProtocols.Http1AndHttp2 : all;
    }

    public static bool Http3Supported => QuicListener.IsSupported;

    private void Tag(ListenOptions listen, string name, ListenerKind kind, TlsEndpoint? tls = null)
    {
        var feature = new ListenerFeature(name, kind, listen, tls);
        Listeners.Add(feature);
        listen.Use(next => connection =>
        {
            connection.Features.Set(feature);
            return next(connection);
        });
    }

    private static void Listen(KestrelServerOptions options, BindingAddress address, Action<ListenOptions> configure)
    {
        var host = address.Host.Trim('[', ']');
        if (host is "*" or "+")
        {
            options.ListenAnyIP(address.Port, configure);
        }
        else if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            options.ListenLocalhost(address.Port, configure);
        }
        else
        {
            options.Listen(IPAddress.Parse(host), address.Port, configure);
        }
    }
}
