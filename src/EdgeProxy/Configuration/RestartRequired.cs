using Microsoft.Extensions.Primitives;

namespace EdgeProxy.Configuration;

/// <summary>
/// The keys EdgeProxy reads once, at start. A reload that changes one is applied everywhere else; this logs which key
/// waits for a restart and lists it in <c>/readyz</c>'s body, instead of leaving the operator to guess why nothing changed.
/// </summary>
internal sealed partial class RestartRequired(IConfiguration configuration, ILogger<RestartRequired> logger) : IHostedService
{
    /// <summary>Sections and keys read at start only.</summary>
    private static readonly string[] StartOnly =
    [
        "Kestrel",                                   // KestrelServerOptions (Limits, AddServerHeader ...) is bound once; listeners are below
        "Serilog",                                   // the logger is built once
        "EdgeProxy:DataPath",
        "EdgeProxy:ShutdownTimeout",
        "EdgeProxy:Certificates:ReloadInterval",
        "EdgeProxy:Certificates:SelfSigned",
        "EdgeProxy:Certificates:Acme",
        "EdgeProxy:Telemetry",
        "EdgeProxy:Console",                         // the console sink is built with the logger
        "EdgeProxy:Authentication",                  // JwtBearer builds its key cache from the issuer settings once
        "EdgeProxy:ClientCertificates:TrustedCaFiles",
        "EdgeProxy:ClientCertificates:Revocation",
        "EdgeProxy:ClientCertificates:CrlFiles",     // the files' contents reload; the list does not
        "EdgeProxy:ClientCertificates:CrlReloadInterval",
        "EdgeProxy:ClientCertificates:Ocsp",
    ];

    /// <summary>Inside those, what a reload does apply.</summary>
    private static readonly string[] Reloaded =
    [
        "Kestrel:Endpoints",                        // the changed listeners are rebound (ListenerReloader)
        "Kestrel:Certificates",                     // the default certificate is part of the listeners that use it
        "EdgeProxy:Certificates:Acme:Hosts",        // names added by a reload are ordered at once
    ];

    private const int MaxLines = 10;

    private Dictionary<string, string?> _atStart = [];
    private volatile string[] _pending = [];
    private readonly HashSet<string> _logged = new(StringComparer.OrdinalIgnoreCase);
    private IDisposable? _subscription;

    /// <summary>The keys changed since start that only a restart applies, for <c>/readyz</c>.</summary>
    public IEnumerable<string> Lines()
    {
        var pending = _pending;
        return pending.Take(MaxLines).Select(key => $"restart required: {key} changed; the running proxy keeps the value it started with")
            .Concat(pending.Length > MaxLines ? [$"restart required: and {pending.Length - MaxLines} more key(s), see the log"] : []);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _atStart = Snapshot();
        _subscription = ChangeToken.OnChange(configuration.GetReloadToken, Check); // the file's own signal: it compares whole configurations
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
        var changed = now.Keys.Union(_atStart.Keys, StringComparer.OrdinalIgnoreCase)
            .Where(key => now.GetValueOrDefault(key) != _atStart.GetValueOrDefault(key))
            .Order(StringComparer.Ordinal)
            .ToArray();
        _pending = changed;
        foreach (var key in changed)
        {
            lock (_logged)
            {
                if (!_logged.Add(key))
                {
                    continue;
                }
            }

            Log.Pending(logger, key);
        }
    }

    private Dictionary<string, string?> Snapshot()
    {
        // Raw keys, not options: a change is any changed value under these prefixes, whichever type (or Serilog) reads it.
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var prefix in StartOnly)
        {
            foreach (var (key, value) in configuration.GetSection(prefix).AsEnumerable().Append(new(prefix, configuration[prefix])))
            {
                if (value is not null && !Reloaded.Any(r => key.Equals(r, StringComparison.OrdinalIgnoreCase) || key.StartsWith(r + ":", StringComparison.OrdinalIgnoreCase)))
                {
                    values[key] = value;
                }
            }
        }

        return values;
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.RestartRequired, LogLevel.Warning,
            "restart required: {Key} changed in the configuration, and changes to it take effect on restart; the running proxy keeps the value it started with (everything else in the file is applied)")]
        public static partial void Pending(ILogger logger, string key);
    }
}
