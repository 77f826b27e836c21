using System.Security.Authentication;
using EdgeProxy.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EdgeProxy.Tls;

/// <summary>
/// The <c>Kestrel</c> keys EdgeProxy reads. Kestrel's endpoint schema is not a public type (its configuration
/// loader reads it by hand), so the endpoint and certificate keys that <see cref="EndpointReader"/> and
/// <see cref="CertificateSpec"/> read are listed here; everything else in the section binds to
/// <see cref="KestrelServerOptions"/> (Limits, AddServerHeader ...) and is read from that type.
/// </summary>
internal static class KestrelKeys
{
    public const string SectionName = "Kestrel";

    public static SectionNode Build()
    {
        var kestrel = (SectionNode)OptionsModel.Of(typeof(KestrelServerOptions), p => p.Name is nameof(KestrelServerOptions.ConfigurationLoader) ? OptionsModel.Skip : null);

        var certificate = Section(
            ("Path", Value<string>("PEM certificate followed by its intermediates (fullchain.pem), or a .pfx/.p12 file. Relative to the working folder.")),
            ("KeyPath", Value<string>("PEM private key of a PEM certificate.")),
            ("Password", Value<string>("Password of the PFX, or of an encrypted PEM key.")));
        ConfigNode[] tls =
        [
            Value<HttpProtocols>("Http1, Http2, Http1AndHttp2 (default) or Http1AndHttp2AndHttp3 (HTTP/3 only where the platform has QUIC)."),
            new ValueNode(typeof(SslProtocols), AcceptsList: true) { Description = "Default [\"Tls12\", \"Tls13\"]. Tls and Tls11 WARN; Ssl2 and Ssl3 are refused." },
            Value<ClientCertificateMode>("NoCertificate (default), AllowCertificate or RequireCertificate; validated against EdgeProxy:ClientCertificates:TrustedCaFiles."),
            certificate,
        ];
        var sni = Section(("Protocols", tls[0]), ("SslProtocols", tls[1]), ("ClientCertificateMode", tls[2]), ("Certificate", certificate));
        var endpoint = Section(
            ("Url", Value<string>("http://HOST:PORT or https://HOST:PORT; HOST is *, localhost or an IP address; port 0 picks a free one.")),
            ("Protocols", tls[0]),
            ("SslProtocols", tls[1]),
            ("ClientCertificateMode", tls[2]),
            ("Certificate", certificate),
            ("Sni", new MapNode(sni, "host") { Description = "Per server name (exact, *.example.com or *): a certificate and TLS settings." }));

        kestrel.Keys["Endpoints"] = new MapNode(endpoint, "endpoint") { Description = "The listeners, by name. Default when none is named: Http on *:8080 (redirect) and Https on *:8443." };
        kestrel.Keys["Certificates"] = Section(("Default", certificate with { Description = "The certificate of every https endpoint and SNI entry that names none." }));
        return kestrel;
    }

    private static ValueNode Value<T>(string description) => new(typeof(T)) { Description = description };

    private static SectionNode Section(params (string Key, ConfigNode Node)[] keys)
    {
        var section = new SectionNode();
        foreach (var (key, node) in keys)
        {
            section.Keys[key] = node;
        }

        return section;
    }
}
