using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.ClientCertificates.Revocation;

/// <summary>
/// Asks the certificate's OCSP responder (or the configured override) over HTTP POST, within the timeout,
/// and caches what it trusts. Only the issuer handed in by chain validation is trusted, never the machine store.
/// </summary>
internal sealed partial class OcspClient(HttpClient http, RevocationSettings settings, TimeProvider time, ILogger<OcspClient> logger) : IDisposable
{
    private static readonly MediaTypeHeaderValue RequestType = new("application/ocsp-request");
    private static readonly RevocationResult SoftFailed = new(RevocationStatus.Good, "ocsp unreachable (soft-fail)");

    private readonly OcspCache _cache = new(settings.OcspCacheMaxAge);
    private readonly ConcurrentDictionary<string, Lazy<Task<RevocationLookup>>> _inFlight = new(StringComparer.Ordinal);

    public OcspCache Cache => _cache;

    /// <summary>
    /// The answer and until when it may be reused. Completes synchronously when the answer is cached. Never throws
    /// except <see cref="OperationCanceledException"/> when the caller cancels.
    /// </summary>
    public async ValueTask<RevocationLookup> LookupAsync(X509Certificate2 leaf, X509Certificate2 issuer, CancellationToken cancellationToken)
    {
        var url = settings.OcspResponderUrl ?? ResponderFrom(leaf);
        if (url is null)
        {
            return RevocationLookup.Once(new RevocationResult(RevocationStatus.Unknown, "no ocsp responder"));
        }

        OcspCertId id;
        byte[] request;
        try
        {
            id = OcspCertId.For(leaf, issuer);
            request = OcspCertId.BuildRequest(leaf, id);
        }
        catch (Exception ex) when (ex is CryptographicException or System.Formats.Asn1.AsnContentException or ArgumentException)
        {
            return RevocationLookup.Once(new RevocationResult(RevocationStatus.Unknown, "certificate unreadable for ocsp"));
        }

        if (_cache.TryGet(id.CacheKey, time.GetUtcNow(), out var cached, out var until))
        {
            return RevocationLookup.FromOcsp(cached, until);
        }

        // A browser opens several connections at once with the same certificate: they share one request. The
        // request runs on its own timeout, so one caller giving up does not fail the others.
        var fetch = _inFlight.GetOrAdd(id.CacheKey, _ => new Lazy<Task<RevocationLookup>>(() => FetchAsync(url, id, request, issuer)));
        return await fetch.Value.WaitAsync(cancellationToken);
    }

    private async Task<RevocationLookup> FetchAsync(Uri url, OcspCertId id, byte[] request, X509Certificate2 issuer)
    {
        try
        {
            return await FetchCoreAsync(url, id, request, issuer);
        }
        finally
        {
            _inFlight.TryRemove(id.CacheKey, out _);
        }
    }

    private async Task<RevocationLookup> FetchCoreAsync(Uri url, OcspCertId id, byte[] request, X509Certificate2 issuer)
    {
        byte[] body;
        using (var timeout = new CancellationTokenSource(settings.OcspTimeout))
        {
            try
            {
                using var content = new ByteArrayContent(request);
                content.Headers.ContentType = RequestType;
                using var response = await http.PostAsync(url, content, timeout.Token);
                if (!response.IsSuccessStatusCode)
                {
                    return RevocationLookup.Once(Unreachable(url, id, "ocsp http " + (int)response.StatusCode));
                }

                body = await response.Content.ReadAsByteArrayAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                return RevocationLookup.Once(Unreachable(url, id, "ocsp timeout"));
            }
            catch (HttpRequestException)
            {
                return RevocationLookup.Once(Unreachable(url, id, "ocsp unreachable"));
            }
        }

        var now = time.GetUtcNow();
        var answer = OcspResponseParser.Parse(body, id, issuer, now);
        if (answer.Status == RevocationStatus.Unknown)
        {
            Log.NoAnswer(logger, id.Serial, url, answer.Reason);
        }

        var reusableUntil = _cache.Set(id.CacheKey, answer, now);
        return RevocationLookup.FromOcsp(new RevocationResult(answer.Status, answer.Reason), reusableUntil);
    }

    /// <summary>The first http(s) OCSP URI of the Authority Information Access extension; LDAP and others are ignored.</summary>
    internal static Uri? ResponderFrom(X509Certificate2 leaf)
    {
        if (leaf.Extensions["1.3.6.1.5.5.7.1.1"] is not { } extension)
        {
            return null;
        }

        try
        {
            var aia = extension as X509AuthorityInformationAccessExtension ?? new X509AuthorityInformationAccessExtension(extension.RawData, extension.Critical);
            return aia.EnumerateOcspUris()
                .Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) ? uri : null)
                .FirstOrDefault(u => u is not null && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public void Dispose() => http.Dispose();

    private RevocationResult Unreachable(Uri url, OcspCertId id, string reason)
    {
        if (settings.OcspSoftFail)
        {
            Log.SoftFail(logger, id.Serial, url, reason);
            return SoftFailed;
        }

        Log.NoAnswer(logger, id.Serial, url, reason);
        return new RevocationResult(RevocationStatus.Unknown, reason);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.OcspNoAnswer, LogLevel.Warning, "OCSP check of serial {Serial} at {Url} gave no usable answer: {Reason}")]
        public static partial void NoAnswer(ILogger logger, string serial, Uri url, string reason);

        [LoggerMessage(EventIds.OcspSoftFail, LogLevel.Warning, "OCSP responder {Url} did not answer for serial {Serial} ({Reason}); allowed because Ocsp:SoftFail is true")]
        public static partial void SoftFail(ILogger logger, string serial, Uri url, string reason);
    }
}
