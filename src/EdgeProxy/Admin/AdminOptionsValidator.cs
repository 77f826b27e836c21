using EdgeProxy.Configuration;
using EdgeProxy.Tls;

namespace EdgeProxy.Admin;

/// <summary><c>EdgeProxy:Admin</c>: every admin URL must be a plain-http address the proxy can bind.</summary>
internal sealed class AdminOptionsValidator : OptionsValidator<AdminOptions>
{
    private const string Key = AdminOptions.SectionName + ":Urls";

    public override void Check(AdminOptions options, ConfigReport report)
    {
        Addresses(options, report);
        foreach (var entry in options.AllowedHosts ?? [])
        {
            if (AdminHosts.Problem(entry ?? string.Empty) is { } problem)
            {
                report.Fail(AdminOptions.SectionName + ":" + nameof(AdminOptions.AllowedHosts), problem);
            }
        }
    }

    /// <summary>The addresses the admin listener binds; those that cannot be are reported and left out.</summary>
    public static IReadOnlyList<BindingAddress> Addresses(AdminOptions options, ConfigReport report)
    {
        var addresses = new List<BindingAddress>();
        foreach (var url in (options.Urls ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
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
