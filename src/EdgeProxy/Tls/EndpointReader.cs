using System.Security.Authentication;
using EdgeProxy.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EdgeProxy.Tls;

/// <summary>
/// Reads the standard <c>Kestrel:Endpoints</c> schema (Url, Protocols, SslProtocols, ClientCertificateMode,
/// Certificate, Sni) and <c>Kestrel:Certificates:Default</c>, reporting every problem with its full key.
/// EdgeProxy binds the endpoints itself so each handshake is served from a cached, reloadable
/// certificate context with the full chain.
/// </summary>
internal static class EndpointReader
{
    public const string SectionName = "Kestrel:Endpoints";
    public const SslProtocols DefaultSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    public static IReadOnlyList<EndpointSpec> Read(IConfiguration config, string contentRoot, ConfigReport report)
    {
        var endpoints = new List<EndpointSpec>();
        var defaultCertificate = CertificateSpec.Read(config.GetSection("Kestrel:Certificates:Default"), contentRoot);
        var configured = config.GetSection(SectionName).GetChildren().ToList();
        if (configured.Count == 0)
        {
            configured = [.. new ConfigurationBuilder().AddInMemoryCollection(Configuration.BuiltInDefaults.Endpoints).Build().GetSection(SectionName).GetChildren()];
        }

        foreach (var section in configured)
        {
            var url = section["Url"];
            if (string.IsNullOrWhiteSpace(url))
            {
                report.Fail(section.Path + ":Url", "missing; every endpoint needs a Url such as \"https://*:8443\"");
                continue;
            }

            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException ex)
            {
                report.Fail(section.Path + ":Url", $"'{url}' is not a listener address: {ex.Message}");
                continue;
            }

            if (address.Scheme is not ("http" or "https"))
            {
                report.Fail(section.Path + ":Url", $"scheme '{address.Scheme}' is not supported; use http:// or https://");
                continue;
            }

            if (address.IsUnixPipe || address.IsNamedPipe)
            {
                report.Fail(section.Path + ":Url", "unix sockets and named pipes are not supported as public listeners");
                continue;
            }

            if (!ListenerBinder.IsBindableHost(address.Host))
            {
                report.Fail(section.Path + ":Url", $"host '{address.Host}' cannot be bound; use *, localhost or an IP address");
                continue;
            }

            var isHttps = address.Scheme == "https";
            var tls = ReadTls(section, contentRoot, parent: null, report);
            if (isHttps && tls.Certificate is null)
            {
                tls = tls with { Certificate = defaultCertificate };
            }

            var sni = new List<SniSpec>();
            foreach (var host in section.GetSection("Sni").GetChildren())
            {
                if (!isHttps)
                {
                    report.Fail(host.Path, "Sni applies to https endpoints only");
                    break;
                }

                sni.Add(new SniSpec(host.Key, host.Path, ReadTls(host, contentRoot, tls, report)));
            }

            if (!isHttps && (tls.Certificate is not null && section.GetSection("Certificate").Exists()))
            {
                report.Warn(section.Path + ":Certificate", "ignored: the endpoint is plain http");
            }

            endpoints.Add(new EndpointSpec(section.Key, section.Path, address, tls.Protocols, tls, sni));
        }

        return endpoints;
    }

    private static TlsSettings ReadTls(IConfigurationSection section, string contentRoot, TlsSettings? parent, ConfigReport report)
    {
        var protocols = parent?.Protocols ?? HttpProtocols.Http1AndHttp2;
        var protocolsText = section["Protocols"];
        if (protocolsText is not null && !Enum.TryParse(protocolsText, ignoreCase: true, out protocols))
        {
            report.Fail(section.Path + ":Protocols", $"'{protocolsText}' is not one of Http1, Http2, Http1AndHttp2, Http3, Http1AndHttp2AndHttp3");
            protocols = HttpProtocols.Http1AndHttp2;
        }

        var clientMode = parent?.ClientCertificateMode ?? ClientCertificateMode.NoCertificate;
        var clientModeText = section["ClientCertificateMode"];
        if (clientModeText is not null && !Enum.TryParse(clientModeText, ignoreCase: true, out clientMode))
        {
            report.Fail(section.Path + ":ClientCertificateMode", $"'{clientModeText}' is not one of NoCertificate, AllowCertificate, RequireCertificate");
        }

        return new TlsSettings(
            CertificateSpec.Read(section.GetSection("Certificate"), contentRoot) ?? parent?.Certificate,
            ReadSslProtocols(section.GetSection("SslProtocols"), report) ?? parent?.SslProtocols ?? DefaultSslProtocols,
            protocols,
            clientMode);
    }

    private static SslProtocols? ReadSslProtocols(IConfigurationSection section, ConfigReport report)
    {
        // Kestrel accepts an array (["Tls12","Tls13"]); a comma-separated string is accepted too.
        var values = section.Value is { } single
            ? single.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetChildren().Select(c => c.Value ?? string.Empty).ToArray();
        if (values.Length == 0)
        {
            return null;
        }

        var result = SslProtocols.None;
        foreach (var value in values)
        {
            if (!Enum.TryParse<SslProtocols>(value, ignoreCase: true, out var protocol) || protocol == SslProtocols.None)
            {
                report.Fail(section.Path, $"'{value}' is not a TLS version; use Tls12 and/or Tls13");
                continue;
            }

#pragma warning disable CS0618, SYSLIB0039, CA5397 // naming the obsolete protocols is how we refuse them
            if (protocol is SslProtocols.Ssl2 or SslProtocols.Ssl3)
            {
                report.Fail(section.Path, $"{value} is broken and cannot be enabled");
                continue;
            }

            if (protocol is SslProtocols.Tls or SslProtocols.Tls11)
            {
                report.Warn(section.Path, $"{value} is deprecated (RFC 8996); only enable it for clients that cannot do TLS 1.2");
            }
#pragma warning restore CS0618, SYSLIB0039, CA5397

            result |= protocol;
        }

        return result == SslProtocols.None ? null : result;
    }
}
