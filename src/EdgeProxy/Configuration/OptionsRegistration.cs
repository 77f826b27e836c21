using System.Reflection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeProxy.Configuration;

/// <summary>
/// The typed model of the file, registered once: every options type of <see cref="ConfigModel"/> bound from its
/// section (reloaded with the file through <see cref="IOptionsMonitor{TOptions}"/>) and every
/// <see cref="OptionsValidator{TOptions}"/> as its <see cref="IValidateOptions{TOptions}"/>. Found by reflection, like
/// the model: an options type or validator added to a capability needs no line here.
/// </summary>
internal static class OptionsRegistration
{
    private static readonly MethodInfo BindMethod = typeof(OptionsRegistration).GetMethod(nameof(Bind), BindingFlags.NonPublic | BindingFlags.Static)!;

    public static IServiceCollection AddEdgeProxyOptions(this IServiceCollection services, IConfiguration configuration, ConfigContext context)
    {
        services.AddSingleton(context);
        services.TryAddSingleton(configuration); // the host registers its own; check's container needs one for cross-section looks
        foreach (var type in ConfigModel.OptionsTypes())
        {
            BindMethod.MakeGenericMethod(type).Invoke(null, [services, configuration.GetSection(ConfigModel.SectionOf(type))]);
        }

        foreach (var (options, validator) in Validators())
        {
            services.AddSingleton(typeof(IValidateOptions<>).MakeGenericType(options), validator);
        }

        return services;
    }

    /// <summary>Every validator with the options type it validates, in the order <c>check</c> prints their findings.</summary>
    public static IEnumerable<(Type Options, Type Validator)> Validators() => typeof(OptionsRegistration).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && t.BaseType is { IsGenericType: true } b && b.GetGenericTypeDefinition() == typeof(OptionsValidator<>))
        .Select(t => (Options: t.BaseType!.GetGenericArguments()[0], Validator: t))
        .OrderBy(v => Rank(v.Options))
        .ThenBy(v => ConfigModel.SectionOf(v.Options))
        .ThenBy(v => v.Validator.FullName, StringComparer.Ordinal);

    /// <summary>The listeners first, then process-wide settings, then the rest by section, as an operator reads the file.</summary>
    private static int Rank(Type options) => options == typeof(Tls.ListenerOptions) ? 0 : ConfigModel.SectionOf(options) == EdgeProxyOptions.SectionName ? 1 : 2;

    private static void Bind<TOptions>(IServiceCollection services, IConfigurationSection section)
        where TOptions : class => services.AddOptions<TOptions>().Bind(section);
}
