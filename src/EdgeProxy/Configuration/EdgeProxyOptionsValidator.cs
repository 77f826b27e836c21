using EdgeProxy.Tls;

namespace EdgeProxy.Configuration;

internal static class EdgeProxyOptionsValidator
{
    public static void Validate(IConfiguration config, string contentRoot, ConfigReport report)
    {
        var shutdown = Duration.Read(config, "EdgeProxy:ShutdownTimeout", TimeSpan.FromSeconds(30), report);
        if (shutdown > TimeSpan.FromHours(1))
        {
            report.Warn("EdgeProxy:ShutdownTimeout", $"{Duration.Show(shutdown)} is long; orchestrators usually kill a process after 30-120 s");
        }

        var reload = Duration.Read(config, CertificateStore.ReloadIntervalKey, CertificateStore.DefaultReloadInterval, report);
        if (reload < TimeSpan.FromMilliseconds(100))
        {
            report.Fail(CertificateStore.ReloadIntervalKey, "must be at least 100ms");
        }

        var dataPath = config["EdgeProxy:DataPath"];
        if (dataPath is not null && string.IsNullOrWhiteSpace(dataPath))
        {
            report.Fail("EdgeProxy:DataPath", "empty; name a writable folder such as \"data\" or \"/data\"");
        }
    }
}
