using EdgeProxy.Configuration;

namespace EdgeProxy.Admin;

/// <summary>
/// <c>EdgeProxy health [--config PATH]</c>: asks the admin listener of the same configuration for
/// <c>/readyz</c>; exit 0 when it answers 200, 1 otherwise. It is the container HEALTHCHECK, so images
/// need no curl, and it reads the config exactly as <c>run</c> does (file, <c>Section__Key</c>, arguments).
/// </summary>
internal static class HealthCommand
{
    /// <summary>Short: a health check that hangs is worse than one that fails, and Docker's own timeout is 30 s.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(CommandLine cli, string contentRoot, TextWriter output, TimeSpan? timeout = null)
    {
        var file = ConfigFile.Resolve(cli.ConfigPath, contentRoot);
        var builder = new ConfigurationBuilder();
        EdgeProxyConfiguration.AddLayers(builder, file, cli.ConfigArgs, watch: false);
        var report = new ConfigReport();
        var addresses = AdminOptionsValidator.Addresses(BoundOptions.Get<AdminOptions>(builder.Build()), report);
        if (addresses.Count == 0)
        {
            await output.WriteLineAsync(report.HasFailures
                ? $"unhealthy: {report.Failures.First()}"
                : $"unhealthy: no admin listener ({AdminOptions.SectionName}:Urls is empty), nothing to ask");
            return 1;
        }

        var url = ReadyzUrl(addresses[0]);

        // No proxy: an HTTP_PROXY in the container's environment must not send a loopback probe elsewhere.
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = timeout ?? DefaultTimeout };
        try
        {
            using var response = await http.GetAsync(url);
            var body = (await response.Content.ReadAsStringAsync()).Trim();
            var healthy = response.IsSuccessStatusCode;
            await output.WriteLineAsync($"{(healthy ? "healthy" : "unhealthy")}: {url} {(int)response.StatusCode} {body}");
            return healthy ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            await output.WriteLineAsync($"unhealthy: {url} {(ex is TaskCanceledException ? "timed out" : ex.Message)}");
            return 1;
        }
    }

    /// <summary>A wildcard bind (<c>*</c>, <c>+</c>, <c>0.0.0.0</c>, <c>[::]</c>) is reachable on loopback, which is where the check runs.</summary>
    internal static Uri ReadyzUrl(Microsoft.AspNetCore.Http.BindingAddress address)
    {
        var host = address.Host switch
        {
            "*" or "+" or "0.0.0.0" or "" => "127.0.0.1",
            "[::]" or "::" => "[::1]",
            "localhost" => "127.0.0.1",
            var h => h,
        };
        var port = address.Port == 0 ? 80 : address.Port;
        return new Uri($"http://{host}:{port}/readyz");
    }
}
