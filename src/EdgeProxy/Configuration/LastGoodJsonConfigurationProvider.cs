namespace EdgeProxy.Configuration;

/// <summary>
/// The operator's JSON file as a configuration layer that only ever holds a configuration that passed
/// validation. The stock JSON provider empties itself when a reload fails to parse, which would make
/// YARP apply "no routes"; this one keeps the last good data, logs every problem, and polls the file
/// (following symlinks) so config-map swaps are seen too.
/// </summary>
internal sealed partial class LastGoodJsonConfigurationProvider : ConfigurationProvider, IDisposable
{
    private readonly ConfigFile _file;
    private readonly Timer? _timer;
    private readonly Lock _gate = new();
    private FileStamp _stamp;
    private bool _stopped;

    public LastGoodJsonConfigurationProvider(ConfigFile file, TimeSpan? pollInterval)
    {
        _file = file;
        if (pollInterval is { } interval)
        {
            _timer = new Timer(_ => Poll(), null, interval, interval);
        }
    }

    /// <summary>Validates a candidate file's data in the context of every other layer; set by the host once built.</summary>
    public Func<IDictionary<string, string?>, ConfigReport>? ValidateCandidate { get; set; }

    /// <summary>Where reload outcomes are written; set by the host once logging exists.</summary>
    public ILogger? Logger { get; set; }

    /// <summary>
    /// The warnings the configuration in force was accepted with (start-up's, then each reload's): a reload logs only
    /// the ones not among them, so an edit does not repeat every standing warning.
    /// </summary>
    public IReadOnlySet<string> StandingWarnings { get; set; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Where the last reload's outcome is kept for the admin status page; set by the host.</summary>
    public ConfigReloadOutcome? Outcome { get; set; }

    /// <summary>Number of reloads rejected since start (surfaced to tests and, later, metrics).</summary>
    public int RejectedReloads { get; private set; }

    public override void Load()
    {
        _stamp = FileStamp.Of(_file.FullPath);
        Data = File.Exists(_file.FullPath)
            ? new Dictionary<string, string?>(JsonFileParser.Parse(_file.FullPath), StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
    }

    private void Poll()
    {
        lock (_gate)
        {
            var stamp = FileStamp.Of(_file.FullPath);
            if (_stopped || stamp == _stamp)
            {
                return;
            }

            _stamp = stamp;
            TryReload();
        }
    }

    private void TryReload()
    {
        IDictionary<string, string?> candidate;
        try
        {
            candidate = JsonFileParser.Parse(_file.FullPath);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Reject([new Finding(Severity.Fail, ConfigFile.Key, ex.Message)]);
            return;
        }

        var report = ValidateCandidate?.Invoke(candidate);
        if (report is { HasFailures: true })
        {
            Reject(report.Failures);
            return;
        }

        Data = new Dictionary<string, string?>(candidate, StringComparer.OrdinalIgnoreCase);
        Outcome?.Accepted();
        if (Logger is { } logger)
        {
            Log.ConfigReloaded(logger, _file.FullPath);
            var warnings = new HashSet<string>(report?.Findings.Where(f => f.Severity == Severity.Warn).Select(f => f.ToString()) ?? [], StringComparer.Ordinal);
            foreach (var warning in warnings.Where(w => !StandingWarnings.Contains(w)))
            {
                Log.ConfigWarning(logger, warning);
            }

            StandingWarnings = warnings;
        }

        OnReload();
    }

    private void Reject(IEnumerable<Finding> failures)
    {
        RejectedReloads++;
        Outcome?.Refused(failures);
        if (Logger is not { } logger)
        {
            return;
        }

        foreach (var failure in failures)
        {
            Log.ConfigReloadRejected(logger, _file.FullPath, failure.ToString());
        }
    }

    /// <summary>No reload starts after this returns: a poll under way has finished, and a later one does nothing (the host is stopping).</summary>
    public void StopPolling()
    {
        _timer?.Dispose();
        lock (_gate)
        {
            _stopped = true;
        }
    }

    public void Dispose() => _timer?.Dispose();

    private static partial class Log
    {
        [LoggerMessage(EventIds.ConfigReloaded, LogLevel.Information, "Configuration reloaded from {ConfigPath}")]
        public static partial void ConfigReloaded(ILogger logger, string configPath);

        [LoggerMessage(EventIds.ConfigReloadRejected, LogLevel.Error, "Configuration reload from {ConfigPath} rejected, still serving the last good configuration: {Finding}")]
        public static partial void ConfigReloadRejected(ILogger logger, string configPath, string finding);

        [LoggerMessage(EventIds.ConfigWarning, LogLevel.Warning, "{Finding}")]
        public static partial void ConfigWarning(ILogger logger, string finding);
    }
}
