using Microsoft.Extensions.Primitives;

namespace EdgeProxy.Authentication;

/// <summary>
/// Issuer settings are fixed at start (JwtBearer builds its key cache from them once). When a reload changes
/// <c>EdgeProxy:Authentication</c>, say so instead of leaving the operator to guess why nothing changed.
/// </summary>
internal sealed partial class AuthenticationRestartNotice(IConfiguration configuration, ILogger<AuthenticationRestartNotice> logger) : IHostedService
{
    private string _atStart = string.Empty;
    private string _lastSeen = string.Empty;
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _atStart = _lastSeen = Snapshot();
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Check);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private void Check()
    {
        var now = Snapshot();
        if (now == _lastSeen)
        {
            return;
        }

        _lastSeen = now;
        if (now != _atStart)
        {
            Log.RestartNeeded(logger, EdgeProxyAuthenticationOptions.SectionName);
        }
    }

    private string Snapshot() => string.Join('\n', configuration.GetSection(EdgeProxyAuthenticationOptions.SectionName).AsEnumerable()
        .OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    private static partial class Log
    {
        [LoggerMessage(EventIds.AuthRestartNeeded, LogLevel.Warning, "{Section} changed in the configuration file; issuer settings take effect on restart (policies and routes are reloaded already)")]
        public static partial void RestartNeeded(ILogger logger, string section);
    }
}
