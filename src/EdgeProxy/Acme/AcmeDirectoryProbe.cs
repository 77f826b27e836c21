using EdgeProxy.Configuration;

namespace EdgeProxy.Acme;

/// <summary>
/// <c>check</c> only: can the directory be fetched from here? A WARN, never a FAIL: the CA may be reachable
/// from where EdgeProxy runs and not from where it is checked. Start and reload never make this call.
/// </summary>
internal static class AcmeDirectoryProbe
{
    public static void Check(AcmeSettings settings, ConfigReport report)
    {
        var key = AcmeOptions.SectionName + ":DirectoryUrl";
        try
        {
            using var http = AcmeHttp.CreateClient(settings.CaBundle, TimeSpan.FromSeconds(5));
            using var response = http.GetAsync(settings.DirectoryUrl).GetAwaiter().GetResult();
            var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode || !body.Contains("\"newOrder\"", StringComparison.Ordinal))
            {
                report.Warn(key, $"{settings.DirectoryUrl} answered {(int)response.StatusCode} without an ACME directory");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            report.Warn(key, $"{settings.DirectoryUrl} is unreachable from here: {ex.Message}");
        }
    }
}
