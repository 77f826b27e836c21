namespace EdgeProxy.Configuration;

/// <summary>The <c>EdgeProxy</c> section's own keys.</summary>
internal sealed class EdgeProxyOptionsValidator : OptionsValidator<EdgeProxyOptions>
{
    public override void Check(EdgeProxyOptions options, ConfigReport report)
    {
        if (options.ShutdownTimeout.Value > TimeSpan.FromHours(1))
        {
            report.Warn("EdgeProxy:ShutdownTimeout", $"{options.ShutdownTimeout} is long; orchestrators usually kill a process after 30-120 s");
        }

        if (options.DataPath is not null && string.IsNullOrWhiteSpace(options.DataPath))
        {
            report.Fail("EdgeProxy:DataPath", "empty; name a writable folder such as \"data\" or \"/data\"");
        }
    }
}
