namespace EdgeProxy.Configuration;

/// <summary>
/// The config file's last reload, accepted or refused with the findings that refused it, for the admin status page.
/// Written by <see cref="LastGoodJsonConfigurationProvider"/> on each change of the file; null until the first one.
/// </summary>
internal sealed class ConfigReloadOutcome(TimeProvider time)
{
    private volatile Admin.Status.ReloadStatus? _last;

    public Admin.Status.ReloadStatus? Last => _last;

    public void Accepted() => _last = new(time.GetUtcNow(), true, []);

    public void Refused(IEnumerable<Finding> failures) => _last = new(time.GetUtcNow(), false, [.. failures.Select(f => $"{f.Key}: {f.Message}")]);
}
