namespace EdgeProxy.Acme;

internal sealed partial class AcmeService
{
    private static partial class Log
    {
        [LoggerMessage(EventIds.AcmeCertificateIssued, LogLevel.Information, "ACME certificate for {Host} issued and served: {Certificate} with {Intermediates} intermediate(s); renewal due {Due:u}")]
        public static partial void Issued(ILogger logger, string host, string certificate, int intermediates, DateTimeOffset due);

        [LoggerMessage(EventIds.AcmeIssuanceFailed, LogLevel.Error, "ACME certificate for {Host} not obtained ({ProblemType}: {Detail}); attempt {Failures}, retrying in {Delay}; still serving {Serving}")]
        public static partial void Failed(ILogger logger, string host, string problemType, string detail, int failures, TimeSpan delay, string serving);

        [LoggerMessage(EventIds.AcmeCertificateReused, LogLevel.Information, "ACME certificate for {Host} loaded from storage: {Certificate}; renewal due {Due:u}")]
        public static partial void Reused(ILogger logger, string host, string certificate, DateTimeOffset due);

        [LoggerMessage(EventIds.AcmeCertificatePending, LogLevel.Warning, "No ACME certificate for {Host} yet: its handshakes use the self-signed fallback until the order completes")]
        public static partial void Pending(ILogger logger, string host);

        [LoggerMessage(EventIds.AcmeRenewalWindow, LogLevel.Debug, "ACME renewal window for {Host} ({CertId}) from the CA: {Start:u} to {End:u}")]
        public static partial void RenewalWindow(ILogger logger, string host, string certId, DateTimeOffset? start, DateTimeOffset? end);

        [LoggerMessage(EventIds.AcmeRenewalWindowUnavailable, LogLevel.Warning, "ACME renewal window for {Host} could not be read ({Reason}); renewing by the local rule")]
        public static partial void RenewalWindowUnavailable(ILogger logger, string host, string reason);

        [LoggerMessage(EventIds.AcmeStoredCertificateUnusable, LogLevel.Warning, "Stored ACME certificate for {Host} in {Path} cannot be used ({Reason}); ordering a new one")]
        public static partial void StoredUnusable(ILogger logger, string host, string path, string reason);
    }
}
