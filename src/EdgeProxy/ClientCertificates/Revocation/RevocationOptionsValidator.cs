using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Configuration;

namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>
/// The revocation keys of <c>EdgeProxy:ClientCertificates</c>: mode, CRL files (read and parsed here, so a broken
/// file fails <c>check</c> and start rather than the first handshake), durations and the OCSP override URL.
/// </summary>
internal sealed class RevocationOptionsValidator(ConfigContext context, IConfiguration configuration) : OptionsValidator<RevocationOptions>
{
    private const string Section = RevocationOptions.SectionName;
    private static readonly TimeSpan MaxOcspTimeout = TimeSpan.FromSeconds(30);

    public override void Check(RevocationOptions options, ConfigReport report)
    {
        // An unknown mode is refused by ValueCheck before binding; the durations are read only for the modes that use them.
        var mode = options.Revocation;
        if (mode == RevocationMode.None)
        {
            return;
        }

        var usesCrl = mode is RevocationMode.Crl or RevocationMode.CrlOrOcsp;
        var files = options.CrlFiles ?? [];
        if (!usesCrl && files.Length > 0)
        {
            report.Warn(Section + ":CrlFiles", $"ignored: Revocation is {mode}; use CrlOrOcsp to check them");
        }
        else if (usesCrl && files.Length == 0)
        {
            report.Fail(Section + ":CrlFiles", $"Revocation is {mode} but no CRL file is configured; list one PEM or DER CRL per CA");
        }

        if (usesCrl)
        {
            var trusted = TrustedCas(BoundOptions.Get<ClientCertificateOptions>(configuration).TrustedCaFiles ?? [], context.ContentRoot);
            for (var i = 0; i < files.Length; i++)
            {
                CheckCrlFile($"{Section}:CrlFiles:{i}", files[i], context.ContentRoot, trusted, report);
            }

            Positive(options.CrlReloadInterval, Section + ":CrlReloadInterval", RevocationSettings.DefaultCrlReloadInterval, report);
        }

        if (mode is RevocationMode.Ocsp or RevocationMode.CrlOrOcsp)
        {
            CheckOcsp(options.Ocsp ?? new OcspOptions(), report);
        }
    }

    private static void CheckCrlFile(string key, string? path, string contentRoot, X509Certificate2Collection? trusted, ConfigReport report)
    {
        var now = DateTimeOffset.UtcNow;
        if (string.IsNullOrWhiteSpace(path))
        {
            report.Fail(key, "empty; give the path of a PEM or DER CRL file");
            return;
        }

        var full = Path.GetFullPath(path, contentRoot);
        if (!File.Exists(full))
        {
            report.Fail(key, $"file '{full}' not found"); // the same words as every other missing file
            return;
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            report.Fail(key, $"cannot read CRL file {full}: {ex.Message}");
            return;
        }

        if (!CrlParser.TryParse(bytes, out var crls, out var error))
        {
            report.Fail(key, $"{full} is not a CRL (PEM -----BEGIN X509 CRL----- or DER): {error}");
            return;
        }

        foreach (var crl in crls)
        {
            if (trusted is not null && !CheckIssuer(key, full, crl, trusted, report))
            {
                continue;
            }

            var next = crl.NextUpdate?.ToString("u") ?? "none";
            if (crl.IsPastNextUpdate(now))
            {
                report.Warn(key, $"{full} (issuer {crl.IssuerDisplay}) is past its nextUpdate {next}; download a fresh CRL from the CA");
            }
            else
            {
                report.Ok(key, $"{full}: issuer {crl.IssuerDisplay}, {crl.Revoked.Count} revoked, next update {next}");
            }
        }
    }

    /// <summary>
    /// When the trusted CAs can be read, a CRL must be signed by one of them: a CRL for another CA would never
    /// be consulted, and one that fails its signature would refuse every client of that CA.
    /// </summary>
    private static bool CheckIssuer(string key, string path, ParsedCrl crl, X509Certificate2Collection trusted, ConfigReport report)
    {
        var named = trusted.Where(crl.IsFor).ToList();
        if (named.Count == 0)
        {
            report.Warn(key, $"{path} is issued by {crl.IssuerDisplay}, which is not in TrustedCaFiles; it will never be used");
            return false;
        }

        var errors = named.Select(crl.VerifySignature).ToList();
        if (errors.All(e => e is not null))
        {
            report.Fail(key, $"{path} names {crl.IssuerDisplay} but is not signed by that trusted CA ({errors[0]}); every client of that CA would be refused");
            return false;
        }

        return true;
    }

    /// <summary>The CAs in TrustedCaFiles, or null when they cannot be read (the client-certificate validator reports that).</summary>
    private static X509Certificate2Collection? TrustedCas(string[] files, string contentRoot)
    {
        var named = files.Where(f => !string.IsNullOrWhiteSpace(f)).ToList();
        if (named.Count == 0)
        {
            return null;
        }

        var cas = new X509Certificate2Collection();
        try
        {
            foreach (var file in named)
            {
                cas.ImportFromPemFile(Path.GetFullPath(file, contentRoot));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return null;
        }

        return cas;
    }

    private static void CheckOcsp(OcspOptions ocsp, ConfigReport report)
    {
        var urlKey = Section + ":Ocsp:ResponderUrl";
        if (ocsp.ResponderUrl is { Length: > 0 } url
            && !(Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)))
        {
            report.Fail(urlKey, $"'{url}' is not an absolute http:// or https:// URL");
        }

        var timeoutKey = Section + ":Ocsp:Timeout";
        if (Positive(ocsp.Timeout, timeoutKey, RevocationSettings.DefaultOcspTimeout, report) > MaxOcspTimeout)
        {
            report.Fail(timeoutKey, $"'{ocsp.Timeout}' is longer than {MaxOcspTimeout.TotalSeconds:0}s; each TLS handshake waits this long for the responder, e.g. \"5s\"");
        }

        if (ocsp.CacheMaxAge is { } maxAge && !Duration.TryParse(maxAge, out _))
        {
            report.Fail(Section + ":Ocsp:CacheMaxAge", Duration.Problem(maxAge));
        }

        if (ocsp.SoftFail)
        {
            report.Warn(Section + ":Ocsp:SoftFail", "true: a client whose OCSP responder is unreachable is accepted, so blocking the responder lets a revoked certificate in");
        }
    }

    private static TimeSpan Positive(string? raw, string key, TimeSpan fallback, ConfigReport report)
    {
        if (raw is null)
        {
            return fallback;
        }

        if (!Duration.TryParse(raw, out var value))
        {
            report.Fail(key, Duration.Problem(raw));
            return fallback;
        }

        if (value <= TimeSpan.Zero)
        {
            report.Fail(key, "must be greater than zero");
        }

        return value;
    }
}
