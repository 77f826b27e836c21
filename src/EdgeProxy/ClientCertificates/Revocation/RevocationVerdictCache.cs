using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>
/// Revocation verdicts per client certificate (the SHA-256 of its DER), so a certificate that connects again is
/// answered from memory, synchronously, inside the TLS handshake. An entry is reused only while the CRLs it was
/// taken under are still the loaded ones (<see cref="CrlStore.Generation"/>) and, when it came from OCSP, until
/// the answer's nextUpdate capped by <c>Ocsp:CacheMaxAge</c>. Bounded, like <see cref="OcspCache"/>, so a flood of
/// distinct certificates cannot grow it without limit.
/// </summary>
internal sealed class RevocationVerdictCache(TimeProvider time, int capacity = 10_000)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public static string KeyFor(X509Certificate2 leaf) => Convert.ToHexString(SHA256.HashData(leaf.RawDataMemory.Span));

    public RevocationResult? Get(string key, long crlGeneration)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (entry.IsCurrent(crlGeneration, time.GetUtcNow()))
        {
            return entry.Result;
        }

        _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        return null;
    }

    /// <summary>
    /// Keeps <paramref name="result"/> under <paramref name="key"/> while the CRL generation stays the same and, for an OCSP
    /// answer, until <paramref name="until"/> (null for a CRL verdict: reused until the CRLs change).
    /// </summary>
    public void Set(string key, RevocationResult result, long crlGeneration, DateTimeOffset? until)
    {
        var now = time.GetUtcNow();
        if (until <= now)
        {
            return;
        }

        if (_entries.Count >= capacity)
        {
            foreach (var (k, e) in _entries)
            {
                if (!e.IsCurrent(crlGeneration, now))
                {
                    _entries.TryRemove(k, out _);
                }
            }

            if (_entries.Count >= capacity)
            {
                _entries.Clear();
            }
        }

        _entries[key] = new Entry(result, crlGeneration, until);
    }

    private sealed record Entry(RevocationResult Result, long CrlGeneration, DateTimeOffset? Until)
    {
        public bool IsCurrent(long crlGeneration, DateTimeOffset now) => CrlGeneration == crlGeneration && (Until is not { } until || until > now);
    }
}
