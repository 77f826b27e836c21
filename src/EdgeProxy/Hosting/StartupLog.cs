using System.Security.Authentication;
using EdgeProxy.Configuration;
using EdgeProxy.Tls;

namespace EdgeProxy.Hosting;

/// <summary>What an operator must know at start: warnings from validation, the self-signed certificate in use, how TLS 1.2 suites are restricted, and where socket completions run.</summary>
internal static partial class StartupLog
{
    public static void Write(ILogger logger, ConfigReport report, IReadOnlyList<EndpointSpec> endpoints, CertificateStore store, CertificateSpec? selfSigned, bool selfSignedCreated)
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

        var tls12 = endpoints.Where(e => e.IsHttps).SelectMany(e => e.Sni.Select(s => s.Tls).Append(e.Tls)).Any(t => t.SslProtocols.HasFlag(SslProtocols.Tls12));
        if (tls12 && TlsDefaults.CipherSuites is not null)
        {
            if (TlsDefaults.OpenSslDefaultIsStrict)
            {
                Tls12Shared(logger, OpenSslConf);
            }
            else
            {
                var extra = TlsDefaults.OpenSslDefaultTls12.Where(s => !TlsDefaults.Tls12Suites.Contains(s)).ToList();
                Tls12PerListener(logger, extra.Count == 0 ? "(none could be read)" : string.Join(", ", extra), OpenSslConf, ShippedOpenSslConfig.Path);
            }
        }

        WorkerSpinLimit(logger, WorkerSpin.Current, WorkerSpin.Shipped, WorkerSpin.Variable);

        if (SocketCompletions.Inline)
        {
            InlineCompletions(logger, SocketCompletions.Variable);
        }
        else
        {
            PooledCompletions(logger, SocketCompletions.Variable, Environment.GetEnvironmentVariable(SocketCompletions.Variable) ?? "(unset)");
        }
    }

    [LoggerMessage(EventIds.ConfigFinding, LogLevel.Warning, "{Finding}")]
    private static partial void ConfigWarning(ILogger logger, string finding);

    [LoggerMessage(EventIds.SelfSignedCertificateInUse, LogLevel.Warning,
        "No TLS certificate configured. {Action} self-signed certificate {Path} (SHA-256 {Fingerprint}, expires {NotAfter:yyyy-MM-dd}); clients will not trust it. Configure Kestrel:Endpoints:Https:Certificate for production.")]
    private static partial void SelfSigned(ILogger logger, string action, string path, string fingerprint, DateTimeOffset notAfter);

    [LoggerMessage(EventIds.Tls12SuitesShared, LogLevel.Information,
        "TLS 1.2 suites: OpenSSL's default in this process (OPENSSL_CONF={OpenSslConf}) allows forward-secret AEAD suites only, so listeners share OpenSSL contexts and resume sessions")]
    private static partial void Tls12Shared(ILogger logger, string openSslConf);

    [LoggerMessage(EventIds.Tls12SuitesPerListener, LogLevel.Information,
        "TLS 1.2 suites: OpenSSL's default in this process (OPENSSL_CONF={OpenSslConf}) also allows {Extra}, so listeners with TLS 1.2 restrict suites themselves, which costs OpenSSL's context cache and session resumption (about 40% more CPU per full handshake). Leave OPENSSL_CONF unset, or set it to {ShippedConfig}, to restrict them process-wide instead.")]
    private static partial void Tls12PerListener(ILogger logger, string extra, string openSslConf, string shippedConfig);

    /// <summary>The file OpenSSL read its defaults from, as this process's environment names it.</summary>
    private static string OpenSslConf => Environment.GetEnvironmentVariable(ShippedOpenSslConfig.Variable) ?? "(unset: the system's openssl.cnf)";

    [LoggerMessage(EventIds.WorkerSpin, LogLevel.Information,
        "Idle thread-pool workers spin at most {Limit} rounds before they sleep (EdgeProxy's default {Shipped}; {Variable}, hexadecimal, overrides it)")]
    private static partial void WorkerSpinLimit(ILogger logger, int limit, int shipped, string variable);

    [LoggerMessage(EventIds.SocketCompletions, LogLevel.Information,
        "Socket completions run on the I/O threads ({Variable}=1, EdgeProxy's default; 0 queues them to the thread pool)")]
    private static partial void InlineCompletions(ILogger logger, string variable);

    [LoggerMessage(EventIds.SocketCompletions, LogLevel.Information,
        "Socket completions are queued to the thread pool ({Variable}={Value}); EdgeProxy's default, 1, runs them on the I/O threads for less CPU per request")]
    private static partial void PooledCompletions(ILogger logger, string variable, string value);
}
