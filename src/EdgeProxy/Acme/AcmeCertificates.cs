using System.Collections.Concurrent;
using EdgeProxy.Tls;

namespace EdgeProxy.Acme;

/// <summary>
/// The ACME certificate of each managed host, held in the shared <see cref="CertificateStore"/> like a file
/// certificate (cached full-chain context, reloaded when the file is replaced). Empty when ACME is off.
/// </summary>
internal sealed class AcmeCertificates(AcmeSettings? settings, CertificateStore store, ILogger<AcmeCertificates> logger)
{
    private readonly ConcurrentDictionary<string, bool> _managed = new((settings?.Hosts ?? []).Select(h => KeyValuePair.Create(h, true)), StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, ReloadableCertificate> _certificates = new(StringComparer.OrdinalIgnoreCase);

    public AcmeSettings? Settings => settings;

    public bool IsManaged(string host) => _managed.ContainsKey(host);

    /// <summary>A host added by a configuration reload: its handshakes use the self-signed fallback until it has a certificate.</summary>
    public void Manage(string host) => _managed.TryAdd(host, true);

    public ReloadableCertificate? Get(string host) => _certificates.GetValueOrDefault(host);

    /// <summary>Serves the file behind <paramref name="spec"/> for <paramref name="host"/> from the next handshake on.</summary>
    public LoadedCertificate Publish(string host, CertificateSpec spec)
    {
        if (_certificates.TryGetValue(host, out var existing))
        {
            existing.ReloadIfChanged(logger); // the renewal replaced the file: swap now, not at the next poll
            return existing.Current;
        }

        var certificate = store.GetOrLoad(spec);
        _certificates[host] = certificate;
        return certificate.Current;
    }
}
