namespace EdgeProxy.Tls;

/// <summary>
/// A certificate as Kestrel's configuration describes it: <c>Path</c> (PEM or PFX), optional
/// <c>KeyPath</c> (PEM key) and <c>Password</c>. <see cref="Key"/> is the full configuration key of the
/// <c>Certificate</c> section, so every error can name it.
/// </summary>
internal sealed record CertificateSpec(string Key, string Path, string? KeyPath, string? Password)
{
    /// <param name="options">The bound <c>Certificate</c> section, if any.</param>
    /// <param name="key">Its full configuration key.</param>
    /// <param name="contentRoot">The folder relative paths resolve against.</param>
    public static CertificateSpec? From(CertificateFileOptions? options, string key, string contentRoot) =>
        string.IsNullOrWhiteSpace(options?.Path)
            ? null
            : new CertificateSpec(
                key,
                System.IO.Path.GetFullPath(options.Path, contentRoot),
                string.IsNullOrWhiteSpace(options.KeyPath) ? null : System.IO.Path.GetFullPath(options.KeyPath, contentRoot),
                options.Password);

    public IReadOnlyList<string> Files => KeyPath is null ? [Path] : [Path, KeyPath];
}
