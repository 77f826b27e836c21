using EdgeProxy.Configuration;
using EdgeProxy.Tls;

namespace EdgeProxy.Hsts;

/// <summary><c>EdgeProxy:Hsts</c>: max-age values, per-host overrides, and hstspreload.org's rules for <c>Preload</c>.</summary>
internal sealed class HstsOptionsValidator(ConfigContext context, IConfiguration configuration) : OptionsValidator<HstsOptions>
{
    private const string Section = HstsOptions.SectionName;

    public override void Check(HstsOptions options, ConfigReport report)
    {
        var maxAge = MaxAge(options.MaxAge, Section, report) ?? HstsMaxAge.OneYear;
        var redirects = BoundOptions.Get<HttpsRedirectOptions>(configuration).Enabled && context.Endpoints().Any(e => !e.IsHttps);
        CheckPreload(Section, options.Preload, maxAge, options.IncludeSubDomains, redirects, report);
        if (options.Owner is HstsOwner.Proxy or HstsOwner.UpstreamOrProxy)
        {
            report.Ok(Section, $"Owner={options.Owner}: {StsHeader.Format(maxAge, options.IncludeSubDomains, options.Preload)}{(maxAge == 0 ? " (tells browsers to forget HSTS for these hosts)" : string.Empty)}");
        }

        foreach (var (host, overrides) in options.Hosts ?? [])
        {
            var key = $"{Section}:Hosts:{host}";
            var hostMaxAge = MaxAge(overrides.MaxAge, key, report) ?? maxAge;
            CheckPreload(key, overrides.Preload ?? options.Preload, hostMaxAge, overrides.IncludeSubDomains ?? options.IncludeSubDomains, redirects, report);
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

    private static long? MaxAge(string? text, string key, ConfigReport report)
    {
        if (text is null)
        {
            return null;
        }

        if (HstsMaxAge.TryParse(text, out var seconds))
        {
            return seconds;
        }

        report.Fail(key + ":MaxAge", $"'{text}' is not a max-age; use seconds (31536000) or a duration (365d)");
        return null;
    }
}
