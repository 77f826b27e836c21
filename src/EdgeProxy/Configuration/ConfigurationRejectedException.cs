namespace EdgeProxy.Configuration;

/// <summary>Start-up refused: the report lists every problem, each naming its key.</summary>
internal sealed class ConfigurationRejectedException(ConfigReport report)
    : Exception("EdgeProxy configuration is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, report.Failures))
{
    public ConfigReport Report { get; } = report;
}
