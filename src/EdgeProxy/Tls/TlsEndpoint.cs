using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EdgeProxy.Tls;

/// <summary>
/// Picks the TLS profile for a handshake from its SNI name: exact name, then the longest matching
/// <c>*.suffix</c> wildcard, then <c>*</c>, then the endpoint's own certificate. An ACME-managed name comes
/// right after the exact names.
/// </summary>
internal sealed partial class TlsEndpoint(string key, TlsProfile? fallback, IReadOnlyList<(string Host, TlsProfile Profile)> sni, ILogger logger, Acme.AcmeEndpointProfiles? acme = null)
{
    private readonly Dictionary<string, TlsProfile> _exact = sni
        .Where(s => !s.Host.StartsWith('*'))
        .ToDictionary(s => s.Host, s => s.Profile, StringComparer.OrdinalIgnoreCase);

    private readonly (string Suffix, TlsProfile Profile)[] _wildcards = [.. sni
        .Where(s => s.Host.StartsWith("*.", StringComparison.Ordinal))
        .Select(s => (s.Host[1..], s.Profile))
        .OrderByDescending(s => s.Item1.Length)];

    private readonly TlsProfile? _fallback = sni.FirstOrDefault(s => s.Host == "*").Profile ?? fallback;

    public IEnumerable<TlsProfile> Profiles => _exact.Values.Concat(_wildcards.Select(w => w.Profile)).Append(_fallback).OfType<TlsProfile>();

    /// <summary>
    /// False when every name on this listener is served under one TLS policy, so no request can name a host whose
    /// policy differs from its connection's. ACME-managed names each bring their own certificate, and may be added by a reload.
    /// </summary>
    public bool HasSeveralPolicies { get; } = acme is not null || Differ([.. sni.Select(s => s.Profile).Append(fallback).OfType<TlsProfile>()]);

    public ValueTask<SslServerAuthenticationOptions> SelectAsync(TlsHandshakeCallbackContext context)
    {
        if (acme?.Challenge(context.Connection, context.ClientHelloInfo.ServerName) is { } challenge)
        {
            return ValueTask.FromResult(challenge); // TLS-ALPN-01 validation: the challenge certificate, ALPN acme-tls/1
        }

        var profile = Find(context.ClientHelloInfo.ServerName);
        if (profile is null)
        {
            Log.NoCertificate(logger, key, context.ClientHelloInfo.ServerName);
            throw new AuthenticationException($"No certificate is configured for '{context.ClientHelloInfo.ServerName}' on {key}.");
        }

        context.Connection.Features.Set(profile); // the policy this connection was made under, for MisdirectedRequestMiddleware
        return ValueTask.FromResult(profile.GetOptions(context.Connection));
    }

    /// <summary>The profile for a server name or Host (case-insensitive, a trailing dot ignored); the default one for none.</summary>
    public TlsProfile? Find(string? serverName)
    {
        if (serverName is [.. var name, '.'])
        {
            serverName = name;
        }

        if (!string.IsNullOrEmpty(serverName))
        {
            if (_exact.TryGetValue(serverName, out var exact))
            {
                return exact;
            }

            if (acme?.Find(serverName) is { } managed)
            {
                return managed;
            }

            foreach (var (suffix, profile) in _wildcards)
            {
                if (WildcardName.Covers(suffix, serverName))
                {
                    return profile;
                }
            }
        }

        return _fallback;
    }

    private static bool Differ(TlsProfile[] profiles) => profiles.Any(p => !p.SamePolicy(profiles[0]));

    private static partial class Log
    {
        [LoggerMessage(EventIds.SniNoCertificate, LogLevel.Warning, "TLS handshake on {Endpoint} refused: no certificate for server name '{ServerName}'")]
        public static partial void NoCertificate(ILogger logger, string endpoint, string? serverName);
    }
}
