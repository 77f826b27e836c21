using System.Security.Authentication;
using EdgeProxy.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EdgeProxy.Tls;

/// <summary>
/// The listeners of the bound <see cref="ListenerOptions"/> (Kestrel's endpoint schema: Url, Protocols, SslProtocols,
/// ClientCertificateMode, Certificate, Sni, and <c>Kestrel:Certificates:Default</c>), each problem reported with its full
/// key. EdgeProxy binds the endpoints itself so each handshake is served from a cached, reloadable certificate context
/// with the full chain.
/// </summary>
internal static class EndpointReader
{
    public const string SectionName = ListenerOptions.SectionName + ":" + nameof(ListenerOptions.Endpoints);
    public const SslProtocols DefaultSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    public static IReadOnlyList<EndpointSpec> Read(ListenerOptions options, string contentRoot, ConfigReport report)
    {
        var endpoints = new List<EndpointSpec>();
        var defaultCertificate = CertificateSpec.From(options.Certificates.Default, ListenerOptions.SectionName + ":Certificates:Default", contentRoot);
        var configured = options.Endpoints.Count > 0 ? options.Endpoints : Defaults();
        foreach (var (name, endpoint) in configured)
        {
            var key = $"{SectionName}:{name}";
            if (Address(endpoint.Url, key + ":Url", report) is not { } address)
            {
                continue;
            }

            var isHttps = address.Scheme == "https";
            var tls = ReadTls(endpoint, key, contentRoot, parent: null, report);
            if (isHttps && tls.Certificate is null)
            {
                tls = tls with { Certificate = defaultCertificate };
            }

            var sni = new List<SniSpec>();
            foreach (var (host, entry) in endpoint.Sni)
            {
                if (!isHttps)
                {
                    report.Fail($"{key}:Sni:{host}", "Sni applies to https endpoints only");
                    break;
                }

                sni.Add(new SniSpec(host, $"{key}:Sni:{host}", ReadTls(entry, $"{key}:Sni:{host}", contentRoot, tls, report)));
            }

            if (!isHttps && tls.Certificate is not null)
            {
                report.Warn(key + ":Certificate", "ignored: the endpoint is plain http");
            }

            endpoints.Add(new EndpointSpec(name, key, address, tls.Protocols, tls, sni));
        }

        return endpoints;
    }

    /// <summary>Used only when no layer names any endpoint (see <see cref="BuiltInDefaults.Endpoints"/>).</summary>
    private static Dictionary<string, ListenerEndpointOptions> Defaults() =>
        BoundOptions.Get<ListenerOptions>(new ConfigurationBuilder().AddInMemoryCollection(BuiltInDefaults.Endpoints).Build()).Endpoints;

    private static BindingAddress? Address(string? url, string key, ConfigReport report)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            report.Fail(key, "missing; every endpoint needs a Url such as \"https://*:8443\"");
            return null;
        }

        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException ex)
        {
            report.Fail(key, $"'{url}' is not a listener address: {ex.Message}");
            return null;
        }

        var problem = address switch
        {
            { Scheme: not ("http" or "https") } => $"scheme '{address.Scheme}' is not supported; use http:// or https://",
            { IsUnixPipe: true } or { IsNamedPipe: true } => "unix sockets and named pipes are not supported as public listeners",
            _ when !ListenerBinder.IsBindableHost(address.Host) => $"host '{address.Host}' cannot be bound; use *, localhost or an IP address",
            _ => null,
        };
        if (problem is not null)
        {
            report.Fail(key, problem);
            return null;
        }

        return address;
    }

    /// <summary>An endpoint's or SNI name's settings; what <paramref name="options"/> leaves out comes from <paramref name="parent"/>.</summary>
    private static TlsSettings ReadTls(ListenerTlsOptions options, string key, string contentRoot, TlsSettings? parent, ConfigReport report) => new(
        CertificateSpec.From(options.Certificate, key + ":Certificate", contentRoot) ?? parent?.Certificate,
        Versions(options.SslProtocols, key + ":SslProtocols", report) ?? parent?.SslProtocols ?? DefaultSslProtocols,
        options.Protocols ?? parent?.Protocols ?? HttpProtocols.Http1AndHttp2,
        options.ClientCertificateMode ?? parent?.ClientCertificateMode ?? ClientCertificateMode.NoCertificate);

    private static SslProtocols? Versions(TlsVersionCollection? versions, string key, ConfigReport report)
    {
        var result = SslProtocols.None;
        foreach (var version in versions ?? [])
        {
#pragma warning disable CS0618, SYSLIB0039, CA5397 // naming the obsolete protocols is how we refuse them
            switch (version)
            {
                case SslProtocols.None or SslProtocols.Default:
                    report.Fail(key, $"'{version}' is not a TLS version; use Tls12 and/or Tls13");
                    continue;
                case SslProtocols.Ssl2 or SslProtocols.Ssl3:
                    report.Fail(key, $"{version} is broken and cannot be enabled");
                    continue;
                case SslProtocols.Tls or SslProtocols.Tls11:
                    report.Warn(key, $"{version} is deprecated (RFC 8996); only enable it for clients that cannot do TLS 1.2");
                    break;
            }
#pragma warning restore CS0618, SYSLIB0039, CA5397

            result |= version;
        }

        return result == SslProtocols.None ? null : result;
    }
}
