using System.Collections.Concurrent;

namespace EdgeProxy.Acme;

/// <summary>
/// Pending HTTP-01 answers by token, with the host each is for. Kept in memory and in the storage folder, so a
/// replica sharing that folder answers a validation request for an order another replica placed.
/// </summary>
internal sealed class Http01Challenges(AcmeStorage? storage)
{
    private readonly ConcurrentDictionary<string, (string Host, string KeyAuthorization)> _pending = new(StringComparer.Ordinal);

    public void Add(string token, string host, string keyAuthorization)
    {
        _pending[token] = (host, keyAuthorization);
        storage?.WriteChallenge(token, host, keyAuthorization);
    }

    public void Remove(string token)
    {
        _pending.TryRemove(token, out _);
        storage?.DeleteChallenge(token);
    }

    /// <summary>The answer for <paramref name="token"/> requested for <paramref name="host"/> (no port), or null.</summary>
    public string? Find(string token, string host)
    {
        if (!IsToken(token))
        {
            return null;
        }

        if (_pending.TryGetValue(token, out var entry))
        {
            return entry.Host.Equals(host, StringComparison.OrdinalIgnoreCase) ? entry.KeyAuthorization : null;
        }

        return storage?.ReadChallenge(token, host);
    }

    // base64url only (RFC 8555 §8.1): a token never names a path outside the challenge folder.
    private static bool IsToken(string token) =>
        token.Length is > 0 and <= 128 && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
