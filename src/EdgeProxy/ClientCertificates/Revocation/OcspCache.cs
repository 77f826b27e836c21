using System.Collections.Concurrent;

namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>
/// Good and revoked OCSP answers by issuer key and serial, each until its nextUpdate capped by CacheMaxAge.
/// Bounded so a flood of distinct certificates cannot grow it without limit.
/// </summary>
internal sealed class OcspCache(TimeSpan maxAge, int capacity = 10_000)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public RevocationResult? Get(string key, DateTimeOffset now)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (entry.Until > now)
        {
            return entry.Result;
        }

        _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        return null;
    }

    /// <summary>Stores a good or revoked answer that has a nextUpdate; others are not reusable (RFC 6960 §4.2.2.1).</summary>
    public void Set(string key, OcspAnswer answer, DateTimeOffset now)
    {
        if (answer.Status == RevocationStatus.Unknown || answer.NextUpdate is not { } next || maxAge <= TimeSpan.Zero)
        {
            return;
        }

        var until = next < now + maxAge ? next : now + maxAge;
        if (until <= now)
        {
            return;
        }

        if (_entries.Count >= capacity)
        {
            foreach (var (k, e) in _entries)
            {
                if (e.Until <= now)
                {
                    _entries.TryRemove(k, out _);
                }
            }

            if (_entries.Count >= capacity)
            {
                _entries.Clear();
            }
        }

        _entries[key] = new Entry(new RevocationResult(answer.Status, answer.Reason), until);
    }

    private sealed record Entry(RevocationResult Result, DateTimeOffset Until);
}
