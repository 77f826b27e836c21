using EdgeProxy.Configuration;
using EdgeProxy.Tls;

namespace EdgeProxy.Hsts;

/// <summary>Owner names, max-age values, route overrides, and hstspreload.org's rules for <c>Preload</c>.</summary>
internal static class HstsOptionsValidator
{
    public static void Validate(IConfiguration config, IReadOnlyList<EndpointSpec> endpoints, ConfigReport report)
    {
        var section = config.GetSection(HstsOptions.SectionName);
        var owner = ReadOwner(section, report) ?? HstsOwner.Proxy;
        var maxAge = ReadMaxAge(section, report) ?? HstsMaxAge.OneYear;
        var includeSubDomains = ConfigValues.ReadBool(section, "IncludeSubDomains", report) ?? false;
        var preload = ConfigValues.ReadBool(section, "Preload", report) ?? false;
        var redirects = (ConfigValues.ReadBool(config.GetSection(HttpsRedirectOptions.SectionName), "Enabled", new ConfigReport()) ?? true) && endpoints.Any(e => !e.IsHttps);
        CheckPreload(section.Path, preload, maxAge, includeSubDomains, redirects, report);
        if (owner is HstsOwner.Proxy or HstsOwner.UpstreamOrProxy)
        {
            report.Ok(section.Path, $"Owner={owner}: {StsHeader.Format(maxAge, includeSubDomains, preload)}{(maxAge == 0 ? " (tells browsers to forget HSTS for these hosts)" : string.Empty)}");
        }

        foreach (var host in section.GetSection("Hosts").GetChildren())
        {
            ReadOwner(host, report);
            var hostMaxAge = ReadMaxAge(host, report) ?? maxAge;
            CheckPreload(host.Path, ConfigValues.ReadBool(host, "Preload", report) ?? preload, hostMaxAge, ConfigValues.ReadBool(host, "IncludeSubDomains", report) ?? includeSubDomains, redirects, report);
        }

        foreach (var route in config.GetSection("ReverseProxy:Routes").GetChildren())
        {
            var key = $"{route.Path}:Metadata:{HstsMiddleware.RouteMetadataKey}";
            if (config[key] is { } value && !TryParseOwner(value, out _))
            {
                report.Fail(key, $"'{value}' is not one of Proxy, Upstream, UpstreamOrProxy, Off");
            }
        }
    }

    private static void CheckPreload(string key, bool preload, long maxAge, bool includeSubDomains, bool redirects, ConfigReport report)
    {
        if (!preload)
        {
            return;
        }

        if (maxAge < HstsMaxAge.OneYear)
        {
            report.Fail(key + ":MaxAge", $"Preload requires MaxAge of at least one year (31536000 seconds); it is {maxAge}");
        }

        if (!includeSubDomains)
        {
            report.Fail(key + ":IncludeSubDomains", "Preload requires IncludeSubDomains: true");
        }

        if (!redirects)
        {
            report.Fail(key + ":Preload", "Preload requires the HTTP→HTTPS redirect: an http listener with EdgeProxy:HttpsRedirect:Enabled true");
        }
    }

    private static HstsOwner? ReadOwner(IConfigurationSection section, ConfigReport report) =>
        ConfigValues.ReadEnum<HstsOwner>(section, "Owner", report);

    private static bool TryParseOwner(string text, out HstsOwner owner) =>
        Enum.TryParse(text, ignoreCase: true, out owner) && Enum.IsDefined(owner) && !text.Trim().All(char.IsAsciiDigit);

    private static long? ReadMaxAge(IConfigurationSection section, ConfigReport report)
    {
        if (section["MaxAge"] is not { } text)
        {
            return null;
        }

        if (HstsMaxAge.TryParse(text, out var seconds))
        {
            return seconds;
        }

        report.Fail(section.Path + ":MaxAge", $"'{text}' is not a max-age; use seconds (31536000) or a duration (365d)");
        return null;
    }
}
