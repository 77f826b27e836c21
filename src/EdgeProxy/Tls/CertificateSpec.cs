namespace EdgeProxy.Tls;

/// <summary>
/// A certificate as Kestrel's configuration describes it: <c>Path</c> (PEM or PFX), optional
/// <c>KeyPath</c> (PEM key) and <c>Password</c>. <see cref="Key"/> is the full configuration key of the
/// <c>Certificate</c> section, so every error can name it.
/// </summary>
internal sealed record CertificateSpec(string Key, string Path, string? KeyPath, string? Password)
{
    public static CertificateSpec? Read(IConfigurationSection section, string contentRoot)
    {
        var path = section["Path"];
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        var keyPath = section["KeyPath"];
        return new CertificateSpec(
            section.Path,
            System.IO.Path.GetFullPath(path, contentRoot),
            string.IsNullOrWhiteSpace(keyPath) ? null : System.IO.Path.GetFullPath(keyPath, contentRoot),
            section["Password"]);
    }

    public IReadOnlyList<string> Files => KeyPath is null ? [Path] : [Path, KeyPath];
}
