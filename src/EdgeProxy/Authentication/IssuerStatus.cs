using System.Collections.Concurrent;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace EdgeProxy.Authentication;

/// <summary>
/// Whether each scheme has its issuer's discovery document and keys. JwtBearer's configuration manager
/// caches them, serves the last good copy while the issuer is down, and retries with back-off when it has
/// none; this class asks it, and logs each change of state once (not once per request).
/// </summary>
internal sealed partial class IssuerStatus(ILogger<IssuerStatus> logger)
{
    private readonly ConcurrentDictionary<string, bool> _available = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The issuer's configuration, or null (logged) when it has never been obtainable.</summary>
    public async Task<OpenIdConnectConfiguration?> TryGetAsync(string scheme, IConfigurationManager<OpenIdConnectConfiguration> manager, string metadataAddress, CancellationToken cancel)
    {
        try
        {
            var configuration = await manager.GetConfigurationAsync(cancel);
            if (_available.TryGetValue(scheme, out var was) && was)
            {
                return configuration;
            }

            _available[scheme] = true;
            Log.IssuerAvailable(logger, scheme, metadataAddress, configuration.JsonWebKeySet?.Keys.Count ?? configuration.SigningKeys.Count);
            return configuration;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancel.IsCancellationRequested)
        {
            if (!_available.TryGetValue(scheme, out var was) || was)
            {
                _available[scheme] = false;
                Log.IssuerUnavailable(logger, scheme, metadataAddress, ex.GetBaseException().Message);
            }

            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.AuthIssuerAvailable, LogLevel.Information,
            "Scheme {Scheme}: discovery and JWKS fetched from {MetadataAddress} ({KeyCount} signing keys); tokens are validated")]
        public static partial void IssuerAvailable(ILogger logger, string scheme, string metadataAddress, int keyCount);

        [LoggerMessage(EventIds.AuthIssuerUnavailable, LogLevel.Warning,
            "Scheme {Scheme}: cannot fetch discovery or JWKS from {MetadataAddress}: {Reason}. Requests with a token on routes that need this scheme answer 503 until it can be fetched; retried with back-off")]
        public static partial void IssuerUnavailable(ILogger logger, string scheme, string metadataAddress, string reason);
    }
}
