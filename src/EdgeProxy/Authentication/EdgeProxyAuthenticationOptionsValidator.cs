using EdgeProxy.Configuration;

namespace EdgeProxy.Authentication;

/// <summary>The bound <c>EdgeProxy:Authentication</c>: every JWT scheme, all problems at once.</summary>
internal sealed class EdgeProxyAuthenticationOptionsValidator(ConfigContext context) : OptionsValidator<EdgeProxyAuthenticationOptions>
{
    public override void Check(EdgeProxyAuthenticationOptions options, ConfigReport report)
    {
        foreach (var (name, scheme) in options.Jwt ?? [])
        {
            JwtSchemeValidator.Check($"{EdgeProxyAuthenticationOptions.SectionName}:Jwt:{name}", scheme, context.ContentRoot, report);
        }
    }

    /// <summary>The scheme names a configuration defines, as the binder reads them.</summary>
    public static IReadOnlySet<string> SchemeNames(IConfiguration configuration) =>
        (BoundOptions.Get<EdgeProxyAuthenticationOptions>(configuration).Jwt ?? []).Keys.ToHashSet(StringComparer.OrdinalIgnoreCase);
}
