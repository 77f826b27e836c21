using EdgeProxy.Acme;
using EdgeProxy.Admin;
using EdgeProxy.Admin.Status;
using EdgeProxy.Authentication;
using EdgeProxy.ClientCertificates;
using EdgeProxy.ClientCertificates.Revocation;
using EdgeProxy.Configuration;
using EdgeProxy.ForwardedHeaders;
using EdgeProxy.Framing;
using EdgeProxy.Hosting;
using EdgeProxy.Hsts;
using EdgeProxy.Observability;
using EdgeProxy.Paths;
using EdgeProxy.Proxy;
using EdgeProxy.RateLimiting;
using EdgeProxy.RequestHeaders;
using EdgeProxy.Retries;
using EdgeProxy.Routing;
using EdgeProxy.Streaming;
using EdgeProxy.Tls;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Serilog;

namespace EdgeProxy;

/// <summary>The composition root: the CLI, then services and the request pipeline in the order a request meets them.</summary>
public static class Program
{
    /// <summary>
    /// <c>EdgeProxy [run|check|health] [--config PATH] [Section:Key=value ...]</c>: <c>check</c> validates the
    /// configuration, <c>health</c> asks a running instance's <c>/readyz</c>, <c>run</c> (the default) proxies until
    /// SIGTERM or SIGINT.
    /// </summary>
    /// <param name="args">The command, <c>--config</c> and configuration overrides.</param>
    /// <returns>0 on success; 1 when the configuration is invalid, a listener cannot bind, or the instance is not ready.</returns>
    public static async Task<int> Main(string[] args)
    {
        CommandLine cli;
        try
        {
            cli = CommandLine.Parse(args);
        }
        catch (UsageException ex)
        {
            // Before anything is bound or written: a mistyped command must never start a proxy.
            await Console.Error.WriteLineAsync($"EdgeProxy: {ex.Message}\n\n{CommandLineUsage.Text}");
            return CommandLineUsage.UsageErrorExitCode;
        }

        // Before anything loads OpenSSL: check reports the suites as run will have them.
        ShippedOpenSslConfig.UseUnlessSet();
        var contentRoot = Directory.GetCurrentDirectory();
        switch (cli.Command)
        {
            case CommandLine.Help:
                await Console.Out.WriteLineAsync(CommandLineUsage.Text);
                return 0;
            case CommandLine.Version:
                await Console.Out.WriteLineAsync(ProductVersion.Display);
                return 0;
            case CommandLine.Check:
                return CheckCommand.Run(cli, contentRoot, Console.Out, Console.Error);
            case CommandLine.Health:
                return await HealthCommand.RunAsync(cli, contentRoot, Console.Out);
        }

        SocketCompletions.InlineUnlessSet();
        WebApplication app;
        try
        {
            app = Build(cli, contentRoot);
        }
        catch (ConfigurationRejectedException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 1;
        }

        var plan = app.Services.GetService<ListenerPlan>(); // RunAsync disposes the services before the catch below runs
        try
        {
            await app.RunAsync();
        }
        catch (IOException ex) when (AddressInUse.Is(ex))
        {
            // One line naming the key, no stack trace: the log's own report of it is filtered out (SerilogSetup).
            await Console.Error.WriteLineAsync(AddressInUse.Line(ex, plan));
            return 1;
        }

        return 0;
    }

    /// <summary>Builds the proxy exactly as <c>run</c> does; tests call this with their own config file.</summary>
    internal static WebApplication Build(CommandLine cli, string contentRoot, Action<LoggerConfiguration>? extraLogging = null, Action<IServiceCollection>? extraServices = null)
    {
        // The slim builder: without IIS integration, the QUIC transport (EdgeProxy serves no HTTP/3 yet) and the logging
        // providers EdgeProxy replaces with Serilog anyway, ~2 MB less resident at start. HTTPS endpoints from configuration
        // (Kestrel's loader, which ListenerBinder feeds) are added back explicitly.
        // hostBuilder:reloadConfigOnChange=false: the builder's own appsettings.json sources (cleared below) would otherwise
        // leave a FileSystemWatcher on the content root (the working directory) and every folder under it: an inotify watch
        // per folder, and a wake-up for every write anywhere in that tree (a home directory, logs written beside it).
        // EdgeProxy polls its one file itself (LastGoodJsonConfigurationProvider).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = contentRoot, Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.WebHost.UseKestrelHttpsConfiguration();

        // Configuration: defaults < file (last good) < environment < command line; validated before anything binds.
        var file = ConfigFile.Resolve(cli.ConfigPath, contentRoot);
        var gate = new ConfigReport();
        if (!EdgeProxyConfiguration.CheckFile(file, gate))
        {
            throw new ConfigurationRejectedException(gate);
        }

        builder.Configuration.Sources.Clear();
        var fileLayer = EdgeProxyConfiguration.AddLayers(builder.Configuration, file, cli.ConfigArgs, watch: true);
        var checkResult = ConfigChecker.Check(builder.Configuration, contentRoot, gate);
        if (checkResult.Report.HasFailures)
        {
            throw new ConfigurationRejectedException(checkResult.Report);
        }

        // Read once, at start (RestartRequired says so when a reload changes them).
        var edge = BoundOptions.Get<EdgeProxyOptions>(builder.Configuration);
        var certificates = BoundOptions.Get<CertificatesOptions>(builder.Configuration);
        var selfSignedCreated = false;
        var selfSigned = ListenerPlan.NeedsSelfSigned(checkResult.Endpoints) || checkResult.Acme is not null // ACME hosts use it until their certificate exists
            ? SelfSignedCertificate.GetOrCreate(edge.ResolveDataPath(contentRoot), certificates.SelfSigned.Hosts, out selfSignedCreated)
            : null;

        // Logging: Serilog only, from the Serilog section.
        builder.Logging.ClearProviders();
        builder.Services.AddEdgeProxyLogging(builder.Configuration, extraLogging);

        // Options: every section's options type bound once, validated by its IValidateOptions, reloaded through IOptionsMonitor.
        builder.Services.AddEdgeProxyOptions(builder.Configuration, new ConfigContext(contentRoot, () => checkResult.Endpoints) { Routes = () => checkResult.Routes });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = edge.ShutdownTimeout);

        // Listeners: Kestrel:Endpoints bound by us (cached full-chain contexts, SNI, reload) plus the admin listener.
        builder.Services.AddSingleton(new ListenerPlan(checkResult.Endpoints, checkResult.AdminAddresses, selfSigned, ListenerPlan.Others(builder.Configuration).ProxyProtocol));
        builder.Services.AddSingleton(sp => new CertificateStore(certificates.ReloadInterval, sp.GetRequiredService<ILogger<CertificateStore>>()));
        builder.Services.AddAcmeCertificates(checkResult.Acme); // ACME certificates per host, served through the same store and SNI lookup
        builder.Services.AddSingleton<ListenerBinder>();
        builder.Services.AddSingleton<IdleTlsBuffers>();
        builder.Services.AddHostedService<ListenerReloader>(); // a reload that changes Kestrel:Endpoints or the admin URLs rebinds those listeners
        builder.Services.AddSingleton<RestartRequired>();       // a reload that changes a key read at start only: logged, and listed in /readyz
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RestartRequired>());
        builder.Services.AddSingleton(sp => new ReadinessDetail(sp.GetRequiredService<RestartRequired>().Lines));
        ReflectionBinder.RegisterKestrel(builder.Services, builder.Configuration.GetSection(KestrelKeys.SectionName)); // Limits, AddServerHeader
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.RequireDigitsOnlyContentLength(); // "Content-Length: +5" is 400, as RFC 9110 and nginx have it
            kestrel.ApplicationServices.GetRequiredService<ListenerBinder>().Bind(kestrel); // through Kestrel's loader, fed by us: a reload rebinds changed listeners only
        });

        builder.Services.AddEdgeProxyTelemetry(builder.Configuration);
        builder.Services.AddRevocationChecking(); // CRL files (reloaded) and OCSP for client certificates
        builder.Services.AddClientCertificates(contentRoot);
        builder.Services.AddAdminListener(builder.Configuration); // its own server: /readyz and /metrics answer until the drain ends
        var reloads = new ConfigReloadOutcome(TimeProvider.System);
        builder.Services.AddStatusPage(reloads);                  // admin / and /status.json: what the proxy is doing, read only when someone looks
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<MemoryReturn>();        // after a busy spell, memory goes back to the system (EdgeProxy:Memory)
        builder.Services.AddRequestTimeouts();
        // YARP's affinity cookies. One application name for every EdgeProxy: the default is the content root (the working
        // directory), so a restart from another folder or a replica sharing the keys could not read the cookies it issued.
        var keysFolder = Path.Combine(edge.ResolveDataPath(contentRoot), "keys");
        builder.Services.AddDataProtection().SetApplicationName("EdgeProxy").PersistKeysToFileSystem(new DirectoryInfo(keysFolder));
        builder.Services.AddEdgeProxyAuthentication(builder.Configuration, contentRoot); // JWT schemes, route policies, identity headers
        ReloadDrain.Register(builder.Services, fileLayer.Provider!); // a stop waits for the reload YARP is applying: it never meets a disposed container
        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddTraceContext(builder.Configuration)          // traceparent to the upstream: the request's span as its parent, unless spans are exported
            .ConfigureUpstreamClients(builder.Configuration); // upstream TLS never downloads an issuer; trace propagation as above
        builder.Services.AddTrustedProxies(); // client IP from trusted peers only; we own X-Forwarded-*, not YARP
        builder.Services.AddRequestHeaderRules(); // the strip list: identity, certificate, URL and method overrides
        builder.Services.AddCanonicalPaths();          // the upstream gets the canonical path as the client spelled it (%2F stays %2F)
        builder.Services.AddStreamingPolicies(); // per-route stream policy: wraps YARP's forwarder (idle/total/max limits, SSE headers at once)
        builder.Services.AddUpstreamRetries();   // requests wait out an upstream restart; idempotent ones are sent again after a reset
        builder.Services.AddRateLimitPolicies(); // EdgeProxy:RateLimiting policies by name, for YARP's route field RateLimiterPolicy

        extraServices?.Invoke(builder.Services);
        // Data protection is there for YARP's affinity cookies only; its hosted service would load (and on a first start
        // create and write) the key ring at start, for every install: System.Private.Xml and the key ring's code, ~4 MB
        // resident. Without it the key ring loads only where a Cookie or CustomHeader affinity policy needs it (SessionAffinityKeys
        // below, at start and on reload). Removed last: each AddDataProtection call adds it again.
        foreach (var eager in builder.Services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.FullName == "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService").ToList())
        {
            builder.Services.Remove(eager);
        }

        var app = builder.Build();
        var keysReport = new ConfigReport();
        SessionAffinityKeys.Check(app.Services, keysFolder, checkResult.Clusters, keysReport); // Cookie/CustomHeader affinity: its key ring loads now
        if (keysReport.HasFailures)
        {
            ((IDisposable)app).Dispose();
            throw new ConfigurationRejectedException(keysReport);
        }

        // Reloads of the file: validated as a whole, applied only when nothing FAILs.
        var fileProvider = fileLayer.Provider!;
        fileProvider.Outcome = reloads;
        fileProvider.Logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeProxy.Configuration");
        fileProvider.StandingWarnings = new HashSet<string>(checkResult.Report.Findings.Where(f => f.Severity == Severity.Warn).Select(f => f.ToString()), StringComparer.Ordinal);
        var rateLimits = app.Services.GetRequiredService<RateLimitState>();
        var listeners = app.Services.GetRequiredService<ListenerBinder>();
        fileProvider.ValidateCandidate = candidate =>
        {
            var whole = EdgeProxyConfiguration.WithCandidate(candidate, cli.ConfigArgs);
            var result = ConfigChecker.Check(whole, contentRoot);
            rateLimits.CheckReload(result.Routes, BoundOptions.Get<RateLimitingOptions>(whole), result.Report); // rate-limit policy names are fixed at start
            SessionAffinityKeys.Check(app.Services, keysFolder, result.Clusters, result.Report); // DataPath is fixed at start too
            if (!result.Report.HasFailures)
            {
                ListenerPorts.CheckReload(listeners, result.Endpoints, result.AdminAddresses, result.Report); // a moved listener's new port must be free
            }
            return result.Report;
        };

        app.Services.GetRequiredService<TraceContextListener>(); // before the first request: ASP.NET Core's per-request Activity
        var readiness = app.Services.GetRequiredService<ReadinessState>();
        app.Lifetime.ApplicationStarted.Register(readiness.MarkReady);
        app.Lifetime.ApplicationStopping.Register(readiness.MarkDraining);
        StartupLog.Write(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeProxy.Startup"), checkResult.Report, checkResult.Endpoints, app.Services.GetRequiredService<CertificateStore>(), selfSigned, selfSignedCreated);

        // The pipeline, in the order a request meets it.
        app.UseInboundHeaders();                       // who the client is; the one pass that removes every header only a proxy may set
        app.UseMiddleware<HstsMiddleware>();           // exactly one Strict-Transport-Security, HTTPS only, on every response below
        app.UseMiddleware<AccessLogMiddleware>();      // one event per public request, whatever answers it
        app.UseMisdirectedRequests();                  // 400 for a Host that is no host name (a.test..); https: 421 when Host names a server name under other TLS settings (certificate, client-certificate mode, protocols) than the connection's
        app.UseAcmeChallenges();                       // http listeners: ACME HTTP-01 answers, before the redirect, auth and routing
        app.UseMiddleware<HttpsRedirectMiddleware>();  // http listeners: 308 to https
        app.UseCanonicalPaths();                       // merged slashes, resolved dots: the path routes match is the path the upstream gets
        app.UseRouteMatching();                        // a request two routes match: 500 saying so, logged with their names
        app.UseRouteConsistency();                     // odd path spellings and method overrides: every reading must select this route, or 400
        app.UseRouteTimeouts();                        // YARP route Timeout/TimeoutPolicy, for the routes that set one
        app.UseRouteAuthorization();                   // route AuthorizationPolicy: 401/403/503 here, before any upstream
        app.UseRateLimitPolicies();                    // route RateLimiterPolicy and the default policy (requests no route matches too): 429 before any upstream work (absent when none is configured)
        app.Use(static (context, next) => context.GetEndpoint() is null ? NotFound(context) : next(context)); // no route: 404 (a catch-all fallback endpoint would cost every request a route-value match)
        app.MapReverseProxy(proxy =>
        {
            proxy.UseUnsendableHeaderRefusal();                 // a non-ASCII header value the cluster cannot encode: 400 naming it, never a try
            proxy.UseClientAllowlist();                         // route metadata EdgeProxy.AllowFrom: 403 for other clients
            proxy.UseMiddleware<ClientCertificateMiddleware>(); // "EdgeProxy.ClientCert": "Required" → 403 without a valid certificate
            proxy.UseUpstreamRetries();                         // the tries: wait for a destination, resend what is safe; then the clear 502/503/504 page
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync("404 Not Found: no route matches this host and path\n");
    }
}
