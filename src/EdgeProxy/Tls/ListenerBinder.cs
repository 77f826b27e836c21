using System.Net;
using System.Net.Quic;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EdgeProxy.Tls;

/// <summary>
/// Binds the configured endpoints on the host's Kestrel and the admin listener on its own server
/// (<see cref="Admin.AdminServer"/>). TLS endpoints answer every handshake from <see cref="TlsEndpoint"/>, which
/// serves cached, reloadable certificate contexts with the full chain. Both servers' listeners go through Kestrel's
/// configuration loader (<see cref="ListenerSlots"/>), so a reload that changes one listener rebinds that one only,
/// as Kestrel's own <c>Kestrel:Endpoints</c> reload does.
/// </summary>
internal sealed class ListenerBinder(ListenerPlan plan, CertificateStore store, ILoggerFactory loggerFactory, ClientCertificates.ClientCertificateHandshake clientCertificates, ClientCertificates.ClientCertificateConnectionGate clientCertificateGate, IdleTlsBuffers idleTlsBuffers, Acme.AcmeCertificates acme, Acme.TlsAlpnChallenges tlsAlpn)
{
    private readonly Lock _gate = new();
    private readonly ListenerSlots _slots = new();
    private readonly ListenerSlots _adminSlots = new();
    private volatile ListenerPlan _plan = plan;
    private volatile ListenerFeature[] _listeners = [];
    private Microsoft.AspNetCore.Server.Kestrel.KestrelConfigurationLoader? _loader;
    private Microsoft.AspNetCore.Server.Kestrel.KestrelConfigurationLoader? _adminLoader;
    private ForwardedHeaders.ProxyProtocolConnections? _proxyProtocol;
    private readonly Dictionary<string, int> _bindAttempts = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The listeners as bound now, in the order the configuration names them.</summary>
    public IReadOnlyList<ListenerFeature> Listeners => _listeners;

    /// <summary>The listeners as configured now (the start's, or the last reload's).</summary>
    public ListenerPlan Plan => _plan;

    /// <summary>Whether the admin listener's own server runs (it is started only when the start-up configuration names one).</summary>
    public bool HasAdminServer => _adminLoader is not null;

    /// <summary>The port the first https listener is bound to, once bound.</summary>
    public int? HttpsPort => Listeners.FirstOrDefault(l => l.Kind == ListenerKind.Https)?.BoundPort is > 0 and var port ? port : null;

    public static bool Http3Supported => QuicListener.IsSupported;

    public static bool IsBindableHost(string host) =>
        host is "*" or "+" or "localhost" || IPAddress.TryParse(host.Trim('[', ']'), out _);

    public void Bind(KestrelServerOptions options)
    {
        _proxyProtocol = options.ApplicationServices.GetService<ForwardedHeaders.ProxyProtocolConnections>();
        lock (_gate)
        {
            _loader = options.Configure(new ConfigurationBuilder().Add(_slots).Build(), reloadOnChange: true);
            RegisterNames(_loader, _plan, admin: false);
            _slots.Publish(_plan, admin: false, ExtraOf);
        }
    }

    /// <summary>The admin listener's addresses on the admin server's options; false when there are none.</summary>
    public bool BindAdmin(KestrelServerOptions options)
    {
        lock (_gate)
        {
            if (_plan.AdminAddresses.Count == 0)
            {
                return false;
            }

            _adminLoader = options.Configure(new ConfigurationBuilder().Add(_adminSlots).Build(), reloadOnChange: true);
            RegisterNames(_adminLoader, _plan, admin: true);
            _adminSlots.Publish(_plan, admin: true, ExtraOf);
            return true;
        }
    }

    /// <summary>
    /// Applies a reloaded configuration's listeners: Kestrel stops the listeners whose settings changed or that are gone
    /// (their open connections get its usual grace) and binds the changed and new ones; the others are untouched.
    /// Returns false when nothing about the listeners changed; <paramref name="adminNeedsRestart"/> when admin URLs were
    /// added while no admin server runs (it is started only when the start-up configuration names one).
    /// </summary>
    public bool Apply(ListenerPlan next, out bool adminNeedsRestart)
    {
        lock (_gate)
        {
            _plan = next;
            var names = ListenerSlots.Names(next, admin: false).Concat(ListenerSlots.Names(next, admin: true)).ToHashSet(StringComparer.OrdinalIgnoreCase);
            _listeners = [.. _listeners.Where(l => names.Contains(l.Slot))];
            RegisterNames(_loader!, next, admin: false);
            var changed = _slots.Publish(next, admin: false, ExtraOf);
            adminNeedsRestart = _adminLoader is null && next.AdminAddresses.Count > 0;
            if (_adminLoader is not null)
            {
                RegisterNames(_adminLoader, next, admin: true);
                changed |= _adminSlots.Publish(next, admin: true, ExtraOf);
            }

            return changed;
        }
    }

    private void RegisterNames(Microsoft.AspNetCore.Server.Kestrel.KestrelConfigurationLoader loader, ListenerPlan current, bool admin)
    {
        foreach (var name in ListenerSlots.Names(current, admin))
        {
            loader.Endpoint(name, endpoint => Configure(name, endpoint.ListenOptions));
        }
    }

    /// <summary>The admin server, once started: its addresses say which admin listeners are bound.</summary>
    public Microsoft.AspNetCore.Hosting.Server.IServer? AdminServer { get; set; }

    /// <summary>
    /// Has Kestrel bind the named listeners (endpoint names, or admin slots) again, unchanged: a listener whose bind
    /// failed on a reload is, to Kestrel, bound with its settings, so only a new entry makes it try again.
    /// </summary>
    public void Rebind(IEnumerable<string> slots)
    {
        lock (_gate)
        {
            foreach (var slot in slots)
            {
                _bindAttempts[slot] = _bindAttempts.GetValueOrDefault(slot) + 1;
            }

            _slots.Publish(_plan, admin: false, ExtraOf);
            if (_adminLoader is not null)
            {
                _adminSlots.Publish(_plan, admin: true, ExtraOf);
            }
        }
    }

    /// <summary>What other sections decide for a listener (PROXY protocol), and how often it was bound again: part of its entry.</summary>
    private string ExtraOf(string slot) =>
        (_plan.ProxyProtocol.Contains(slot) ? "proxy" : string.Empty) + (_bindAttempts.TryGetValue(slot, out var n) ? "#" + n.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty);

    /// <summary>Kestrel's loader calls this for every listener it binds, at start and for each one a reload changes.</summary>
    private void Configure(string slot, ListenOptions listen)
    {
        var current = _plan;
        if (slot.StartsWith(ListenerSlots.AdminPrefix, StringComparison.Ordinal))
        {
            Tag(listen, slot, "Admin", ListenerKind.Admin);
            listen.Protocols = HttpProtocols.Http1;
            return;
        }

        var endpoint = current.Endpoints.First(e => e.Name.Equals(slot, StringComparison.OrdinalIgnoreCase));
        var tls = endpoint.IsHttps ? CreateTlsEndpoint(endpoint, current) : null;
        Tag(listen, slot, endpoint.Name, endpoint.IsHttps ? ListenerKind.Https : ListenerKind.Http, tls);
        if (current.ProxyProtocol.Contains(endpoint.Name))
        {
            _proxyProtocol?.Attach(listen, endpoint.Name); // PROXY protocol precedes TLS
        }
        if (tls is null)
        {
            // Cleartext HTTP/2 needs prior knowledge no browser has; HTTP/1.1 is what the redirect needs.
            listen.Protocols = endpoint.Protocols == HttpProtocols.Http2 ? HttpProtocols.Http2 : HttpProtocols.Http1;
            return;
        }

        listen.Protocols = TcpProtocols(endpoint);
        if (acme.Settings?.Challenges.Contains(Acme.AcmeChallengeType.TlsAlpn01) == true)
        {
            listen.Use(next => Acme.TlsAlpnPeekMiddleware.Create(next, tlsAlpn)); // marks TLS-ALPN-01 validations, consumes nothing
        }

        listen.UseHttps(new TlsHandshakeCallbackOptions { OnConnection = tls.SelectAsync });
        listen.Use(idleTlsBuffers.Create); // after the handshake, before anything reads: OpenSSL frees empty buffers
        if (RequiresCertificates(endpoint))
        {
            listen.Use(clientCertificateGate.Create); // a refused certificate whose verdict came after the handshake: closed before any request
        }
    }

    private static bool RequiresCertificates(EndpointSpec endpoint) =>
        endpoint.Tls.ClientCertificateMode == ClientCertificateMode.RequireCertificate || endpoint.Sni.Any(s => s.Tls.ClientCertificateMode == ClientCertificateMode.RequireCertificate);

    private TlsEndpoint CreateTlsEndpoint(EndpointSpec endpoint, ListenerPlan current)
    {
        var fallback = endpoint.Tls.Certificate is { } own ? new TlsProfile(store.GetOrLoad(own), endpoint.Tls, clientCertificates) : null;
        if (fallback is null && endpoint.Sni.Count == 0)
        {
            fallback = new TlsProfile(store.GetOrLoad(current.SelfSigned!), endpoint.Tls, clientCertificates);
        }

        var sni = endpoint.Sni
            .Where(s => s.Tls.Certificate is not null)
            .Select(s => (s.Host, new TlsProfile(store.GetOrLoad(s.Tls.Certificate!), s.Tls, clientCertificates)))
            .ToList();
        // ACME-managed names: after exact SNI entries (a file certificate for a host wins), before wildcards.
        var acmeProfiles = acme.Settings is null ? null : new Acme.AcmeEndpointProfiles(
            acme, tlsAlpn, endpoint.Tls, clientCertificates, current.SelfSigned is { } selfSigned ? new TlsProfile(store.GetOrLoad(selfSigned), endpoint.Tls with { Certificate = selfSigned }, clientCertificates) : null);
        return new TlsEndpoint(endpoint.Key, fallback, sni, loggerFactory.CreateLogger<TlsEndpoint>(), acmeProfiles);
    }

    private static HttpProtocols TcpProtocols(EndpointSpec endpoint)
    {
        var all = endpoint.Sni.Aggregate(endpoint.Protocols, (acc, s) => acc | s.Tls.Protocols);
        all &= ~HttpProtocols.Http3; // HTTP/3 runs over QUIC, bound separately when the platform has it.
        return all == HttpProtocols.None ? HttpProtocols.Http1AndHttp2 : all;
    }

    /// <summary>Marks every connection of the listener, and puts the listener in <see cref="Listeners"/> in place of the one it replaces.</summary>
    private void Tag(ListenOptions listen, string slot, string name, ListenerKind kind, TlsEndpoint? tls = null)
    {
        var feature = new ListenerFeature(name, kind, listen, tls) { Slot = slot };
        listen.Use(next => connection =>
        {
            connection.Features.Set(feature);
            return next(connection);
        });

        lock (_gate)
        {
            var order = ListenerSlots.Names(_plan, admin: false).Concat(ListenerSlots.Names(_plan, admin: true)).Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i, StringComparer.OrdinalIgnoreCase);
            _listeners = [.. _listeners.Where(l => !l.Slot.Equals(slot, StringComparison.OrdinalIgnoreCase)).Append(feature)
                .OrderBy(l => order.GetValueOrDefault(l.Slot, int.MaxValue))];
        }
    }
}
