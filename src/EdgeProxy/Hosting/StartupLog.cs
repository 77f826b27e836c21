using EdgeProxy.Configuration;
using EdgeProxy.Tls;

namespace EdgeProxy.Hosting;

/// <summary>What an operator must know at start: warnings from validation and the self-signed certificate in use.</summary>
internal static partial class StartupLog
{
    public static void Write(ILogger logger, ConfigReport report, CertificateStore store, CertificateSpec? selfSigned, bool selfSignedCreated)
    {
        // The self-signed certificate's own line below says what the "no certificate configured" finding says, with its fingerprint.
        foreach (var warning in report.Findings.Where(f => f.Severity == Severity.Warn && (selfSigned is null || !f.Message.StartsWith(ListenerOptionsValidator.NoCertificate, StringComparison.Ordinal))))
        {
            ConfigWarning(logger, warning.ToString());
        }

        if (selfSigned is not null)
        {
            var certificate = store.GetOrLoad(selfSigned).Current;
            SelfSigned(logger, selfSignedCreated ? "Generated" : "Reusing", selfSigned.Path, certificate.Sha256Fingerprint, certificate.NotAfter);
        }
    }

    [LoggerMessage(EventIds.ConfigFinding, LogLevel.Warning, "{Finding}")]
    private static partial void ConfigWarning(ILogger logger, string finding);

    [LoggerMessage(EventIds.SelfSignedCertificateInUse, LogLevel.Warning,
        "No TLS certificate configured. {Action} self-signed certificate {Path} (SHA-256 {Fingerprint}, expires {NotAfter:yyyy-MM-dd}); clients will not trust it. Configure Kestrel:Endpoints:Https:Certificate for production.")]
    private static partial void SelfSigned(ILogger logger, string action, string path, string fingerprint, DateTimeOffset notAfter);
}
