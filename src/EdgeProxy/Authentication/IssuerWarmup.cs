using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace EdgeProxy.Authentication;

/// <summary>
/// Fetches each issuer's discovery document and keys once at start, in the background, so the first request
/// does not pay for it and an unreachable issuer is in the log before anyone calls. Start-up never waits.
/// </summary>
internal sealed class IssuerWarmup(JwtSchemeNames schemes, IOptionsMonitor<JwtBearerOptions> options, IssuerStatus status) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var scheme in schemes.Names)
        {
            var bearer = options.Get(scheme);
            if (bearer.ConfigurationManager is { } manager)
            {
                _ = Task.Run(() => status.TryGetAsync(scheme, manager, bearer.MetadataAddress!, _stopping.Token), CancellationToken.None);
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }
}
