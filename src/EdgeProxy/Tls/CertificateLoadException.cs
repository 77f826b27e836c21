namespace EdgeProxy.Tls;

/// <summary>A certificate or key that cannot be served; <see cref="Key"/> names the configuration key at fault.</summary>
internal sealed class CertificateLoadException(string key, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string Key { get; } = key;
}
