using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace EdgeProxy.Authentication;

/// <summary>
/// Fetches each issuer's discovery document and keys once at start, in the background, so the first request
/// does not pay for it and an unreachable issuer is in the log before anyone calls. Start-up never waits.
/// </summary>
internal sealed class IssuerWarmup(JwtSchemeNames schemes, IOptionsMonitor<JwtBearerOptions> options, IssuerStatus status) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var stopping = _stopping.Token; // read here: a fetch may start after a quick shutdown has disposed _stopping
        foreach (var scheme in schemes.Names)
        {
            var bearer = options.Get(scheme);
            if (bearer.ConfigurationManager is { } manager)
            {
                _ = Task.Run(() => status.TryGetAsync(scheme, manager, bearer.MetadataAddress!, stopping), CancellationToken.None);
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    public void Dispose() => _stopping.Dispose();
}
