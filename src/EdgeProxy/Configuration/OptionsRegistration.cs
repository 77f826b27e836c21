using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeProxy.Configuration;

/// <summary>
/// The typed model of the file, registered once: every options type of <see cref="OptionsTable"/> bound from its
/// section (reloaded with the file through <see cref="IOptionsMonitor{TOptions}"/>) and every
/// <see cref="OptionsValidator{TOptions}"/> as its <see cref="IValidateOptions{TOptions}"/>. The validators are found by
/// reflection (EdgeProxy's own types, which every build keeps): a validator added to a capability needs no line here.
/// </summary>
internal static class OptionsRegistration
{
    [UnconditionalSuppressMessage("Trimming", "IL2077", Justification = Hosting.Trimming.RootedAssemblies)]
    public static IServiceCollection AddEdgeProxyOptions(this IServiceCollection services, IConfiguration configuration, ConfigContext context)
    {
        services.AddSingleton(context);
        services.TryAddSingleton(configuration); // the host registers its own; check's container needs one for cross-section looks
        foreach (var options in OptionsTable.All)
        {
            options.Register(services, configuration.GetSection(options.Section));
        }

        foreach (var (options, validator) in Validators())
        {
            services.AddSingleton(typeof(IValidateOptions<>).MakeGenericType(options), validator);
        }

        return services;
    }

    /// <summary>Every validator with the options type it validates, in the order <c>check</c> prints their findings.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = Hosting.Trimming.RootedAssemblies)]
    public static IEnumerable<(Type Options, Type Validator)> Validators() => typeof(OptionsRegistration).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && t.BaseType is { IsGenericType: true } b && b.GetGenericTypeDefinition() == typeof(OptionsValidator<>))
        .Select(t => (Options: t.BaseType!.GetGenericArguments()[0], Validator: t))
        .OrderBy(v => Rank(v.Options))
        .ThenBy(v => OptionsTable.Of(v.Options).Section)
        .ThenBy(v => v.Validator.FullName, StringComparer.Ordinal);

    /// <summary>The listeners first, then process-wide settings, then the rest by section, as an operator reads the file.</summary>
    private static int Rank(Type options) => options == typeof(Tls.ListenerOptions) ? 0 : OptionsTable.Of(options).Section == EdgeProxyOptions.SectionName ? 1 : 2;
}
