namespace EdgeProxy.Configuration;

internal sealed class LastGoodJsonConfigurationSource(ConfigFile file, TimeSpan? pollInterval) : IConfigurationSource
{
    public LastGoodJsonConfigurationProvider? Provider { get; private set; }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => Provider ??= new LastGoodJsonConfigurationProvider(file, pollInterval);
}
