namespace EdgeProxy.Configuration;

/// <summary>One options type: its section, how it is read once, how it is registered for <c>IOptionsMonitor</c>, how <c>check</c> validates it.</summary>
internal sealed record OptionsBinding(
    Type Type,
    string Section,
    Func<IConfigurationSection, object?> Get,
    Action<IServiceCollection, IConfigurationSection> Register,
    Action<IServiceProvider, Type, ConfigReport> Check);
