using EdgeProxy.Configuration;

namespace EdgeProxy.Authentication;

/// <summary>
/// The bound <c>EdgeProxy:Authorization</c>: every policy, the default policy, and a scheme for them to need; the
/// schemes are the bound <c>EdgeProxy:Authentication</c>'s. Routes that name a policy are checked by YARP's own
/// validator (<see cref="AuthorizationRouteCheck.AddRouteValidation"/>) and by <see cref="AuthorizationRouteCheck"/>.
/// </summary>
internal sealed class EdgeProxyAuthorizationOptionsValidator(IConfiguration configuration) : OptionsValidator<EdgeProxyAuthorizationOptions>
{
    private const string Section = EdgeProxyAuthorizationOptions.SectionName;

    public override void Check(EdgeProxyAuthorizationOptions options, ConfigReport report)
    {
        var schemes = EdgeProxyAuthenticationOptionsValidator.SchemeNames(configuration);
        var policies = options.Policies ?? [];
        foreach (var (name, policy) in policies)
        {
            RoutePolicyValidator.Check(name, policy, schemes, report);
        }

        var defaultPolicy = options.DefaultPolicy;
        if (!string.IsNullOrEmpty(defaultPolicy) && !policies.Keys.Any(p => p.Equals(defaultPolicy, StringComparison.OrdinalIgnoreCase)))
        {
            report.Fail(Section + ":DefaultPolicy", $"'{defaultPolicy}' is not defined under {Section}:Policies");
        }
        else if (!string.IsNullOrEmpty(defaultPolicy))
        {
            report.Ok(Section + ":DefaultPolicy", $"routes without AuthorizationPolicy need '{defaultPolicy}'; opt out with \"Anonymous\"");
        }

        if (schemes.Count == 0 && (policies.Count > 0 || !string.IsNullOrEmpty(defaultPolicy)))
        {
            var needer = policies.Count > 0 ? $"{Section}:Policies:{policies.Keys.First()}" : Section + ":DefaultPolicy";
            report.Fail(AuthorizationRouteCheck.SchemesKey, $"no scheme is configured, but {needer} needs one; add an issuer (Authority, Audiences)");
        }
    }
}
