using System.Security.Cryptography;
using EdgeProxy.Configuration;
using EdgeProxy.Tls;

namespace EdgeProxy.Acme;

/// <summary>
/// Keeps every managed host's certificate current: stored certificates are served from the first handshake,
/// missing or due ones are ordered in the background, one order per host so one failure stays isolated.
/// Failures retry with exponential backoff (after <c>Retry-After</c> when rate-limited) up to 6 hours.
/// </summary>
internal sealed partial class AcmeService(
    AcmeCertificates certificates, Http01Challenges challenges, TlsAlpnChallenges tlsAlpn, AcmeStorage storage, AcmeStatus status,
    IConfiguration configuration, IHostEnvironment environment, ListenerPlan plan, Yarp.ReverseProxy.Configuration.IProxyConfigProvider proxyConfig,
    IHostApplicationLifetime lifetime, ILogger<AcmeService> logger) : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromHours(6);
    private readonly AcmeSettings _settings = certificates.Settings!;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, HostState> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _wake = new(0);
    private IDisposable? _reloads;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var host in _settings.Hosts)
        {
            ServeStoredOrPending(host, _hosts[host] = new HostState());
        }

        ShowFileCertificates(_settings);

        // Host names follow the configuration (new routes, new Hosts entries); other ACME settings need a restart. YARP's own
        // signal: it fires once YARP has read the reloaded routes, which the file's reload token may beat.
        _reloads = Microsoft.Extensions.Primitives.ChangeToken.OnChange(() => proxyConfig.GetConfig().ChangeToken, AddNewHosts);
        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _reloads?.Dispose();
        base.Dispose();
    }

    private void AddNewHosts()
    {
        var reloaded = AcmeOptionsValidator.Resolve(BoundOptions.Get<AcmeOptions>(configuration), configuration, environment.ContentRootPath, plan.Endpoints, proxyConfig.GetConfig().Routes, new ConfigReport());
        if (reloaded is not null)
        {
            ShowFileCertificates(reloaded);
        }

        var added = false;
        foreach (var host in reloaded?.Hosts ?? [])
        {
            if (_hosts.TryAdd(host, new HostState()))
            {
                certificates.Manage(host);
                ServeStoredOrPending(host, _hosts[host]);
                added = true;
            }
        }

        if (added)
        {
            _wake.Release();
        }
    }

    private void ShowFileCertificates(AcmeSettings settings)
    {
        foreach (var (host, key) in settings.FileCertificates ?? new Dictionary<string, string>())
        {
            status.File(host, key);
        }
    }

    /// <summary>A newly managed host: its stored certificate from the first handshake, or "pending" until one is ordered.</summary>
    private void ServeStoredOrPending(string host, HostState state)
    {
        if (!LoadStored(host, state))
        {
            status.Pending(host);
            Log.Pending(logger, host);
        }
    }

    /// <summary>Serves the stored certificate for <paramref name="host"/> when there is a usable one (ours, or another replica's).</summary>
    private bool LoadStored(string host, HostState state, bool log = true)
    {
        var spec = storage.CertificateSpec(host);
        if (!File.Exists(spec.Path))
        {
            return false;
        }

        try
        {
            var loaded = certificates.Publish(host, spec);
            state.Due = _settings.RenewalTime(loaded.NotBefore, loaded.NotAfter);
            status.Serving(host, loaded.NotAfter, state.Due);
            if (log)
            {
                Log.Reused(logger, host, loaded.Describe(), state.Due);
            }

            return true;
        }
        catch (Exception ex) when (ex is CertificateLoadException or CryptographicException or IOException)
        {
            Log.StoredUnusable(logger, host, spec.Path, ex.Message);
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The CA validates against our own listeners, which Kestrel binds only after the hosted services have
        // started: an order placed before that could be checked against a closed port and fail for a minute.
        if (!await StartedAsync(stoppingToken))
        {
            return;
        }

        using var http = AcmeHttp.CreateClient(_settings.CaBundle, TimeSpan.FromSeconds(30));
        using var key = LoadOrCreateAccountKey(out var accountUrl);
        using var client = new AcmeClient(http, _settings.DirectoryUrl, key, logger) { AccountUrl = accountUrl };
        using var issuer = new AcmeIssuer(client, _settings, storage, challenges, tlsAlpn, logger);
        var renewalInfo = await FindRenewalInfoAsync(client, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = DateTimeOffset.UtcNow;
            await Task.WhenAll(_hosts.Where(h => h.Value.Due <= now).Select(h => RunAsync(issuer, http, renewalInfo, h.Key, h.Value, stoppingToken)));
            var next = _hosts.IsEmpty ? now + TimeSpan.FromHours(1) : _hosts.Values.Min(h => h.Due);
            var wait = next - DateTimeOffset.UtcNow;
            var sleep = wait < TimeSpan.Zero ? TimeSpan.Zero : wait > TimeSpan.FromHours(1) ? TimeSpan.FromHours(1) : wait;
            await ((Task)_wake.WaitAsync(sleep, stoppingToken)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing); // woken early by new hosts
        }
    }

    private async Task<bool> StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            await ((Task)started.Task).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        return started.Task.IsCompletedSuccessfully;
    }

    private async Task<string?> FindRenewalInfoAsync(AcmeClient client, CancellationToken ct)
    {
        try
        {
            var url = await client.OptionalEndpointAsync("renewalInfo", ct);
            if (url is not null)
            {
                foreach (var state in _hosts.Values)
                {
                    state.Due = DateTimeOffset.MinValue; // ask the CA about every stored certificate now, then every 6 h
                }
            }

            return url;
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidDataException or System.Text.Json.JsonException or TaskCanceledException)
        {
            return null; // the first order will report the directory problem with its host
        }
    }

    private async Task RunAsync(AcmeIssuer issuer, HttpClient http, string? renewalInfo, string host, HostState state, CancellationToken ct)
    {
        try
        {
            // One replica orders; the others wait, then find its certificate in storage and serve that.
            using var hostLock = await storage.LockAsync(host, ct);
            var stored = LoadStored(host, state, log: false); // the local rule's renewal time, for ours or another replica's certificate
            string? replaces = null;
            if (renewalInfo is not null && stored && certificates.Get(host)!.Current is { } current && AcmeRenewalInfo.CertId(current.Leaf) is { } certId)
            {
                // ARI: the CA's window decides, earlier or later than the local rule (e.g. before a mass revocation);
                // it is asked again every 6 h, and the order then names the certificate it replaces.
                var window = await RenewalWindowAsync(http, renewalInfo, host, certId, ct);
                var now = DateTimeOffset.UtcNow;
                var poll = now + AcmeRenewalInfo.PollInterval;
                if (window is { } w && w.Start > now)
                {
                    var at = AcmeRenewalInfo.PickTime(w);
                    state.Due = at < poll ? at : poll;
                    status.Serving(host, current.NotAfter, state.Due);
                    return;
                }

                if (window is null && state.Due > now)
                {
                    state.Due = state.Due < poll ? state.Due : poll; // no window for it (or ARI unreachable): the local rule, asked again later
                    status.Serving(host, current.NotAfter, state.Due);
                    return;
                }

                replaces = window is null ? null : certId;
            }
            else if (stored && state.Due > DateTimeOffset.UtcNow)
            {
                Log.Reused(logger, host, certificates.Get(host)!.Current.Describe(), state.Due);
                return;
            }

            var (chain, key) = await issuer.IssueAsync(host, ct, replaces);
            storage.WriteCertificate(host, chain, key);
            var loaded = certificates.Publish(host, storage.CertificateSpec(host));
            state.Failures = 0;
            state.Due = _settings.RenewalTime(loaded.NotBefore, loaded.NotAfter);
            if (renewalInfo is not null && state.Due > DateTimeOffset.UtcNow + AcmeRenewalInfo.PollInterval)
            {
                state.Due = DateTimeOffset.UtcNow + AcmeRenewalInfo.PollInterval; // the CA's window is asked for again by then
            }

            status.Serving(host, loaded.NotAfter, state.Due);
            Log.Issued(logger, host, loaded.Describe(), loaded.Intermediates.Count, state.Due);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (AcmeProblemException ex) when (ex.ShortType == "accountDoesNotExist" && state.Failures == 0)
        {
            issuer.ForgetAccount(); // the CA lost or deactivated the account: register the same key again, at once
            state.Failures++;
        }
        // An HttpClient timeout is a TaskCanceledException, not a TimeoutException: without it here, one slow CA
        // request would end issuance for good instead of being retried with backoff.
        catch (Exception ex) when (ex is AcmeProblemException or HttpRequestException or InvalidDataException or TimeoutException or TaskCanceledException
            or System.Text.Json.JsonException or CertificateLoadException or IOException or CryptographicException)
        {
            state.Failures++;
            var delay = ex is AcmeProblemException { ShortType: "rateLimited", RetryAfter: { } after } ? after
                : TimeSpan.FromTicks(Math.Min(FirstRetry.Ticks << Math.Min(state.Failures - 1, 16), LongestRetry.Ticks));
            state.Due = DateTimeOffset.UtcNow + delay;
            var serving = certificates.Get(host)?.Current.Describe() ?? "the self-signed fallback";
            var (type, detail) = ex is AcmeProblemException p ? (p.ShortType, p.Detail) : (ex.GetType().Name, ex.Message);
            status.Failed(host, type, detail, state.Failures, state.Due);
            Log.Failed(logger, host, type, detail, state.Failures, delay, serving);
        }
    }

    /// <summary>The CA's suggested window; null when it has none or cannot be asked (ARI is advice: the local rule still holds).</summary>
    private async Task<(DateTimeOffset Start, DateTimeOffset End)?> RenewalWindowAsync(HttpClient http, string renewalInfo, string host, string certId, CancellationToken ct)
    {
        try
        {
            var window = await AcmeRenewalInfo.GetWindowAsync(http, renewalInfo, certId, ct);
            Log.RenewalWindow(logger, host, certId, window?.Start, window?.End);
            return window;
        }
        catch (Exception ex) when ((ex is HttpRequestException or System.Text.Json.JsonException or InvalidOperationException or FormatException or TaskCanceledException)
            && !ct.IsCancellationRequested)
        {
            Log.RenewalWindowUnavailable(logger, host, ex.Message);
            return null;
        }
    }

    private AcmeAccountKey LoadOrCreateAccountKey(out string? accountUrl)
    {
        if (storage.ReadAccount() is { } stored)
        {
            accountUrl = stored.Url;
            return AcmeAccountKey.FromPem(stored.KeyPem);
        }

        using var created = AcmeAccountKey.Create();
        accountUrl = null;
        return AcmeAccountKey.FromPem(storage.CreateAccountKey(created.ExportPem()));
    }

    private sealed class HostState
    {
        public DateTimeOffset Due { get; set; } = DateTimeOffset.MinValue;

        public int Failures { get; set; }
    }
}
