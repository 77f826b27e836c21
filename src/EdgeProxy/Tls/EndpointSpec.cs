using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EdgeProxy.Tls;

/// <summary>One <c>Kestrel:Endpoints:&lt;name&gt;</c> entry, parsed and checked once at start.</summary>
internal sealed record EndpointSpec(
    string Name,
    string Key,
    BindingAddress Address,
    HttpProtocols Protocols,
    TlsSettings Tls,
    IReadOnlyList<SniSpec> Sni)
{
    public bool IsHttps => Address.Scheme.Equals("https", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The TLS settings of an endpoint or of one of its SNI host names.</summary>
internal sealed record TlsSettings(CertificateSpec? Certificate, SslProtocols SslProtocols, HttpProtocols Protocols, ClientCertificateMode ClientCertificateMode);

/// <summary><c>Kestrel:Endpoints:&lt;name&gt;:Sni:&lt;host&gt;</c>: exact names, <c>*.example.com</c> wildcards, or <c>*</c>.</summary>
internal sealed record SniSpec(string Host, string Key, TlsSettings Tls);
