namespace EdgeProxy.Configuration;

/// <summary>Collects every finding of a validation run; validators never stop at the first problem.</summary>
internal sealed class ConfigReport
{
    private readonly List<Finding> _findings = [];

    public IReadOnlyList<Finding> Findings => _findings;

    public bool HasFailures => _findings.Exists(f => f.Severity == Severity.Fail);

    public IEnumerable<Finding> Failures => _findings.Where(f => f.Severity == Severity.Fail);

    public void Ok(string key, string message) => _findings.Add(new Finding(Severity.Ok, key, message));

    public void Warn(string key, string message) => _findings.Add(new Finding(Severity.Warn, key, message));

    public void Fail(string key, string message) => _findings.Add(new Finding(Severity.Fail, key, message));

    /// <summary>Appends the findings of a run made apart, but those under a key in <paramref name="except"/>.</summary>
    public void Add(ConfigReport other, IReadOnlySet<string>? except = null) =>
        _findings.AddRange(except is null ? other._findings : other._findings.Where(f => !except.Contains(f.Key)));
}
