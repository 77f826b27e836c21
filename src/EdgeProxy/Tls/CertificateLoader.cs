using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.Tls;

/// <summary>Loads PEM (certificate + key, chain after the leaf) and PFX files into a <see cref="LoadedCertificate"/>.</summary>
internal static class CertificateLoader
{
    public static LoadedCertificate Load(CertificateSpec spec)
    {
        RequireReadable(spec.Path, spec.Key + ":Path");
        if (spec.KeyPath is not null)
        {
            RequireReadable(spec.KeyPath, spec.Key + ":KeyPath");
        }

        return IsPkcs12(spec) ? LoadPkcs12(spec) : LoadPem(spec);
    }

    private static bool IsPkcs12(CertificateSpec spec)
    {
        var extension = Path.GetExtension(spec.Path);
        var isPkcs12 = extension.Equals(".pfx", StringComparison.OrdinalIgnoreCase) || extension.Equals(".p12", StringComparison.OrdinalIgnoreCase);
        if (isPkcs12 && spec.KeyPath is not null)
        {
            throw new CertificateLoadException(spec.Key + ":KeyPath", $"'{spec.Path}' is a PFX, which carries its own key; remove KeyPath (or use a PEM certificate)");
        }

        return isPkcs12;
    }

    private static LoadedCertificate LoadPem(CertificateSpec spec)
    {
        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPemFile(spec.Path);
        }
        catch (CryptographicException ex)
        {
            throw new CertificateLoadException(spec.Key + ":Path", $"'{spec.Path}' holds no readable PEM certificate: {ex.Message}", ex);
        }

        if (all.Count == 0)
        {
            throw new CertificateLoadException(spec.Key + ":Path", $"'{spec.Path}' holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)");
        }

        var keyPath = spec.KeyPath ?? spec.Path;
        var keyKey = spec.KeyPath is null ? spec.Key + ":Path" : spec.Key + ":KeyPath";
        X509Certificate2 leaf;
        try
        {
            leaf = spec.Password is null
                ? X509Certificate2.CreateFromPemFile(spec.Path, keyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(spec.Path, spec.Password, keyPath);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new CertificateLoadException(keyKey, $"the private key in '{keyPath}' cannot be used with the certificate in '{spec.Path}': {ex.Message}", ex);
        }

        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < all.Count; i++)
        {
            if (!IsSelfIssued(all[i]))
            {
                intermediates.Add(all[i]);
            }
        }

        return new LoadedCertificate(leaf, intermediates);
    }

    private static LoadedCertificate LoadPkcs12(CertificateSpec spec)
    {
        X509Certificate2Collection all;
        try
        {
            all = X509CertificateLoader.LoadPkcs12CollectionFromFile(spec.Path, spec.Password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException ex)
        {
            throw new CertificateLoadException(spec.Key + ":Password", $"cannot open PFX '{spec.Path}': {ex.Message} (wrong or missing password?)", ex);
        }

        var leaf = all.FirstOrDefault(c => c.HasPrivateKey)
            ?? throw new CertificateLoadException(spec.Key + ":Path", $"PFX '{spec.Path}' contains no certificate with a private key");
        var intermediates = new X509Certificate2Collection();
        foreach (var cert in all)
        {
            if (!ReferenceEquals(cert, leaf) && !IsSelfIssued(cert))
            {
                intermediates.Add(cert);
            }
        }

        return new LoadedCertificate(leaf, intermediates);
    }

    // A root is not sent: the client has it or the chain is untrusted anyway.
    private static bool IsSelfIssued(X509Certificate2 cert) => cert.SubjectName.RawData.AsSpan().SequenceEqual(cert.IssuerName.RawData);

    private static void RequireReadable(string path, string key)
    {
        if (!File.Exists(path))
        {
            throw new CertificateLoadException(key, $"file '{path}' not found");
        }

        try
        {
            using var _ = File.OpenRead(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CertificateLoadException(key, $"file '{path}' cannot be read: {ex.Message}", ex);
        }
    }
}
