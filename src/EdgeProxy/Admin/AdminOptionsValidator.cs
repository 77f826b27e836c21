using EdgeProxy.Configuration;
using EdgeProxy.Tls;

namespace EdgeProxy.Admin;

internal static class AdminOptionsValidator
{
    private const string Key = AdminOptions.SectionName + ":Urls";

    public static IReadOnlyList<BindingAddress> Validate(IConfiguration config, ConfigReport report)
    {
        var urls = config[Key] ?? new AdminOptions().Urls;
        var addresses = new List<BindingAddress>();
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                var address = BindingAddress.Parse(url);
                if (address.Scheme != "http")
                {
                    report.Fail(Key, $"'{url}': the admin listener is plain http; put it on loopback or a private interface");
                }
                else if (!ListenerBinder.IsBindableHost(address.Host))
                {
                    report.Fail(Key, $"'{url}': host '{address.Host}' cannot be bound; use *, localhost or an IP address");
                }
                else
                {
                    addresses.Add(address);
                }
            }
            catch (FormatException ex)
            {
                report.Fail(Key, $"'{url}' is not a listener address: {ex.Message}");
            }
        }

        return addresses;
    }
}
