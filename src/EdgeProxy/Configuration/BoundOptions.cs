namespace EdgeProxy.Configuration;

/// <summary>
/// An options type bound from the configuration as it is now, for what is read once (at start, or on a reload the
/// gate has accepted). A value that cannot be bound yields the defaults: <see cref="ValueCheck"/> has named it.
/// </summary>
internal static class BoundOptions
{
    public static TOptions Get<TOptions>(IConfiguration config)
        where TOptions : class, new()
    {
        try
        {
            var options = OptionsTable.Of(typeof(TOptions));
            return (TOptions?)options.Get(config.GetSection(options.Section)) ?? new TOptions();
        }
        catch (InvalidOperationException)
        {
            return new TOptions();
        }
    }
}
