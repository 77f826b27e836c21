using EdgeProxy.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Primitives;

namespace EdgeProxy.Tls;

/// <summary>
/// After a reload was accepted (the whole file passed validation): the listeners it now describes, handed to
/// <see cref="ListenerBinder"/>, which has Kestrel rebind the ones that changed. Listeners are read from the same
/// <see cref="ListenerOptions"/>, by the same <see cref="EndpointReader"/>, that validated them. Afterwards it checks
/// that Kestrel bound them, public and admin: a port taken by another process after validation (<see cref="ListenerPorts"/>) leaves a
/// listener unbound, which is logged and makes <c>/readyz</c> answer 503 until it is bound: EdgeProxy has Kestrel try
/// again as soon as the address is free.
/// </summary>
internal sealed partial class ListenerReloader(IConfiguration configuration, ListenerBinder binder, IHostEnvironment environment, IServer server, Admin.ReadinessState readiness, IHostApplicationLifetime lifetime, ILogger<ListenerReloader> logger) : IHostedService, IDisposable
{
    /// <summary>Kestrel stops a changed listener before it binds again: up to 5 s for its connections, 1 s to abort them.</summary>
    private static readonly TimeSpan BindWait = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stopping = new();
    private IDisposable? _subscription;
    private int _generation;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The raw reload signal, not IOptionsMonitor: the listeners must follow the whole accepted file at once (see Reload).
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Reload);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    public void Dispose() => _stopping.Dispose();

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
            var expected = endpoints.Select(e => new Expected(e.Name, $"listener '{e.Name}'", e.Address, Admin: false))
                .Concat(binder.HasAdminServer ? admin.Select((a, i) => new Expected(ListenerSlots.AdminSlot(i), "admin listener", a, Admin: true)) : [])
                .Where(e => e.Address.Port > 0) // port 0: the system picks a free one
                .ToList();
            _ = VerifyBoundAsync(expected, Interlocked.Increment(ref _generation));
        }

        if (adminNeedsRestart)
        {
            Log.AdminNeedsRestart(logger, Admin.AdminOptions.SectionName + ":Urls");
        }
    }

    /// <summary>
    /// Waits for Kestrel's rebind, then names each listener with a port of its own that is not among its server's
    /// addresses; while one is missing, has Kestrel bind it again once its address is free, and says so when it is.
    /// </summary>
    private async Task VerifyBoundAsync(IReadOnlyList<Expected> expected, int generation)
    {
        var deadline = DateTime.UtcNow + BindWait;
        var reported = false;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token, lifetime.ApplicationStopping);
        while (true)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(reported ? 1000 : 250), stop.Token);
            }
            catch (OperationCanceledException)
            {
                return; // shutting down: Kestrel unbinds everything now
            }

            if (generation != Volatile.Read(ref _generation))
            {
                return; // a later reload verifies its own listeners
            }

            var (bound, adminBound) = (Ports(server), Ports(binder.AdminServer));
            var missing = expected.Where(e => !(e.Admin ? adminBound : bound).Contains(e.Address.Port)).ToList();
            if (missing.Count == 0)
            {
                if (readiness.HasUnbound)
                {
                    readiness.SetUnbound([]);
                    Log.BoundAgain(logger, string.Join(", ", expected.Select(e => e.Label)));
                }

                return;
            }

            if (!reported && DateTime.UtcNow > deadline)
            {
                readiness.SetUnbound([.. missing.Select(e => $"{e.Label} ({e.Address}) is not bound")]); // before the log line that tells it
                foreach (var listener in missing)
                {
                    Log.NotBound(logger, listener.Label, listener.Address.ToString(), ListenerPorts.Problem(listener.Address) ?? "the address is free now; Kestrel's bind failed");
                }

                reported = true;
            }
            else if (reported && missing.Where(e => ListenerPorts.Problem(e.Address) is null).Select(e => e.Slot).ToList() is { Count: > 0 } free)
            {
                binder.Rebind(free);
            }
        }
    }

    private static HashSet<int> Ports(IServer? server) =>
        (server?.Features.Find<IServerAddressesFeature>()?.Addresses ?? []).Select(a => BindingAddress.Parse(a).Port).ToHashSet();

    /// <summary>A listener the reload asked for: its slot with Kestrel, how the log names it, its address, and its server.</summary>
    private sealed record Expected(string Slot, string Label, BindingAddress Address, bool Admin);

    private static partial class Log
    {
        [LoggerMessage(EventIds.ListenerNotBound, LogLevel.Error, "The {Listener} ({Address}) could not be bound after the reload ({Problem}): nothing serves on it, and /readyz answers 503 until it is bound: EdgeProxy binds it again as soon as the address is free")]
        public static partial void NotBound(ILogger logger, string listener, string address, string problem);

        [LoggerMessage(EventIds.ListenerBoundAgain, LogLevel.Information, "Listeners bound again: {Listeners}; /readyz is ready")]
        public static partial void BoundAgain(ILogger logger, string listeners);

        [LoggerMessage(EventIds.ListenersReloaded, LogLevel.Information, "Listeners reloaded; those whose settings changed are rebound, the others keep their connections. Now: {Listeners}")]
        public static partial void ListenersChanged(ILogger logger, string listeners);

        [LoggerMessage(EventIds.RestartRequired, LogLevel.Warning, "restart required: {Key} names an admin listener, and none was started (the start-up configuration had it empty); it is bound on restart")]
        public static partial void AdminNeedsRestart(ILogger logger, string key);
    }
}
