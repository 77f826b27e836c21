using EdgeProxy.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace EdgeProxy.Tls;

/// <summary>
/// After a reload was accepted (the whole file passed validation): the listeners it now describes, handed to
/// <see cref="ListenerBinder"/>, which has Kestrel rebind the ones that changed. Listeners are read with the same
/// <see cref="EndpointReader"/> that validated them.
/// </summary>
internal sealed partial class ListenerReloader(IConfiguration configuration, ListenerBinder binder, IOptionsMonitor<EdgeProxyOptions> edge, IOptionsMonitor<CertificatesOptions> certificates, IHostEnvironment environment, ILogger<ListenerReloader> logger) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The listeners are not an options type: Kestrel:Endpoints is read by EndpointReader, like Kestrel's own loader does.
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        return Task.CompletedTask;
    }

    private void Reload()
    {
        var report = new ConfigReport();
        var endpoints = EndpointReader.Read(configuration, environment.ContentRootPath, report);
        var admin = Admin.AdminOptionsValidator.Validate(configuration, report);
        if (report.HasFailures || endpoints.Count == 0)
        {
            return; // cannot happen after validation; never unbind everything on a half-read file
        }

        var current = binder.Plan;
        var selfSigned = current.SelfSigned;
        if (selfSigned is null && ListenerPlan.NeedsSelfSigned(endpoints))
        {
            selfSigned = SelfSignedCertificate.GetOrCreate(edge.CurrentValue.ResolveDataPath(environment.ContentRootPath), certificates.CurrentValue.SelfSigned.Hosts, out _);
        }

        if (binder.Apply(new ListenerPlan(endpoints, admin, selfSigned)))
        {
            Log.ListenersChanged(logger, string.Join(", ", endpoints.Select(e => $"{e.Name} {e.Address}").Concat(admin.Select(a => $"Admin {a}"))));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.ListenersReloaded, LogLevel.Information, "Listeners reloaded; those whose settings changed are rebound, the others keep their connections. Now: {Listeners}")]
        public static partial void ListenersChanged(ILogger logger, string listeners);
    }
}
