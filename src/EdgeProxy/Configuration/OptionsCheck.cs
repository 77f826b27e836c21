using Microsoft.Extensions.Options;

namespace EdgeProxy.Configuration;

/// <summary>
/// Runs every <see cref="OptionsValidator{TOptions}"/> over options bound from a configuration exactly as the running
/// proxy binds them (the same registrations, in a container of its own), collecting their findings. A section whose
/// values cannot be bound at all was already reported by <see cref="ValueCheck"/>; its validator is skipped.
/// </summary>
internal static class OptionsCheck
{
    public static void Check(IConfiguration config, ConfigContext context, ConfigReport report)
    {
        var services = new ServiceCollection();
        services.AddEdgeProxyOptions(config, context);
        using var provider = services.BuildServiceProvider();
        // One finding per key: a key already refused (unknown, or a value of the wrong shape ValueCheck took out) is not
        // reported again by the validator, which sees it missing ("must be a list" then "required" would say one thing twice).
        var refused = report.Failures.Select(f => f.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var (options, validator) in OptionsRegistration.Validators())
        {
            var findings = new ConfigReport();
            OptionsTable.Of(options).Check(provider, validator, findings);
            report.Add(findings, except: refused);
        }
    }

    public static void CheckOne<TOptions>(IServiceProvider provider, Type validatorType, ConfigReport report)
        where TOptions : class, new()
    {
        var options = new TOptions();
        try
        {
            foreach (var configure in provider.GetServices<IConfigureOptions<TOptions>>())
            {
                configure.Configure(options);
            }
        }
        catch (InvalidOperationException)
        {
            return; // a value of the wrong shape: ValueCheck named it
        }

        var validator = provider.GetServices<IValidateOptions<TOptions>>().OfType<OptionsValidator<TOptions>>().First(v => v.GetType() == validatorType);
        validator.Check(options, report);
    }
}
