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

    public RevocationResult? Get(string key, DateTimeOffset now) => TryGet(key, now, out var result, out _) ? result : null;

    /// <summary>The cached answer and the moment it stops being reusable.</summary>
    public bool TryGet(string key, DateTimeOffset now, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RevocationResult? result, out DateTimeOffset until)
    {
        result = null;
        until = default;
        if (!_entries.TryGetValue(key, out var entry))
        {
            return false;
        }

        if (entry.Until > now)
        {
            (result, until) = (entry.Result, entry.Until);
            return true;
        }

        _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
        return false;
    }

    /// <summary>
    /// Stores a good or revoked answer that has a nextUpdate; others are not reusable (RFC 6960 §4.2.2.1).
    /// Returns until when the answer may be reused, or null when it was not stored.
    /// </summary>
    public DateTimeOffset? Set(string key, OcspAnswer answer, DateTimeOffset now)
    {
        if (answer.Status == RevocationStatus.Unknown || answer.NextUpdate is not { } next || maxAge <= TimeSpan.Zero)
        {
            return null;
        }

        var until = next < now + maxAge ? next : now + maxAge;
        if (until <= now)
        {
            return null;
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
        return until;
    }

    private sealed record Entry(RevocationResult Result, DateTimeOffset Until);
}
