using EdgeProxy.Configuration;
using Microsoft.Extensions.Primitives;

namespace EdgeProxy.Tls;

/// <summary>
/// After a reload was accepted (the whole file passed validation): the listeners it now describes, handed to
/// <see cref="ListenerBinder"/>, which has Kestrel rebind the ones that changed. Listeners are read from the same
/// <see cref="ListenerOptions"/>, by the same <see cref="EndpointReader"/>, that validated them.
/// </summary>
internal sealed partial class ListenerReloader(IConfiguration configuration, ListenerBinder binder, IHostEnvironment environment, ILogger<ListenerReloader> logger) : IHostedService
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The raw reload signal, not IOptionsMonitor: the listeners must follow the whole accepted file at once (see Reload).
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
        // Read from the configuration itself, not IOptionsMonitor: this runs on the same reload signal as the monitors'
        // own refresh, in no set order, and must never see half of the old file.
        var report = new ConfigReport();
        var endpoints = EndpointReader.Read(BoundOptions.Get<ListenerOptions>(configuration), environment.ContentRootPath, report);
        var (admin, proxyProtocol) = ListenerPlan.Others(configuration);
        if (report.HasFailures || endpoints.Count == 0)
        {
            return; // cannot happen after validation; never unbind everything on a half-read file
        }

        var selfSigned = binder.Plan.SelfSigned;
        if (selfSigned is null && ListenerPlan.NeedsSelfSigned(endpoints))
        {
            var edge = BoundOptions.Get<EdgeProxyOptions>(configuration);
            var certificates = BoundOptions.Get<CertificatesOptions>(configuration);
            selfSigned = SelfSignedCertificate.GetOrCreate(edge.ResolveDataPath(environment.ContentRootPath), certificates.SelfSigned.Hosts, out _);
        }

        if (binder.Apply(new ListenerPlan(endpoints, admin, selfSigned, proxyProtocol), out var adminNeedsRestart))
        {
            Log.ListenersChanged(logger, string.Join(", ", endpoints.Select(e => $"{e.Name} {e.Address}").Concat(admin.Select(a => $"Admin {a}"))));
        }

        if (adminNeedsRestart)
        {
            Log.AdminNeedsRestart(logger, Admin.AdminOptions.SectionName + ":Urls");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.ListenersReloaded, LogLevel.Information, "Listeners reloaded; those whose settings changed are rebound, the others keep their connections. Now: {Listeners}")]
        public static partial void ListenersChanged(ILogger logger, string listeners);

        [LoggerMessage(EventIds.RestartRequired, LogLevel.Warning, "restart required: {Key} names an admin listener, and none was started (the start-up configuration had it empty); it is bound on restart")]
        public static partial void AdminNeedsRestart(ILogger logger, string key);
    }
}
