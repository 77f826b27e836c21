using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;

namespace EdgeProxy.Acme;

/// <summary>
/// What the issuer knows per host, for operators: <c>GET /acme</c> on the admin listener (JSON), the lines under
/// <c>/readyz</c>, and the <c>edgeproxy.acme.failures</c> counter. Days until expiry come from the certificate
/// store's gauge, which holds ACME certificates like file ones.
/// </summary>
internal sealed class AcmeStatus
{
    public const string Acme = "acme";
    public const string SelfSignedFallback = "self-signed fallback";
    private readonly ConcurrentDictionary<string, HostStatus> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Counter<long> _failures;

    public AcmeStatus(IMeterFactory meters)
    {
        // Same meter name as EdgeProxyMetrics: the factory hands back one Meter, already exported.
        _failures = meters.Create(Observability.EdgeProxyMetrics.MeterName)
            .CreateCounter<long>("edgeproxy.acme.failures", "{failure}", "Failed ACME orders by host, problem type and whether a certificate was being issued or renewed");
    }

    public void Pending(string host) => _hosts[host] = new HostStatus("pending", SelfSignedFallback, null, null, 0, null);

    public void Serving(string host, DateTimeOffset notAfter, DateTimeOffset renewAt) => _hosts[host] = new HostStatus("valid", Acme, notAfter, renewAt, 0, null);

    /// <summary>A name ACME leaves alone because a file certificate (<paramref name="key"/>) is configured for it.</summary>
    public void File(string host, string key) => _hosts.TryAdd(host, new HostStatus("file certificate", key, null, null, 0, null));

    public void Failed(string host, string problemType, string detail, int failures, DateTimeOffset retryAt)
    {
        var renewal = _hosts.TryGetValue(host, out var before) && before.NotAfter is not null;
        _failures.Add(1, new("host", host), new("type", problemType), new("order", renewal ? "renewal" : "issuance"));
        _hosts.AddOrUpdate(host,
            _ => new HostStatus("failing", SelfSignedFallback, null, retryAt, failures, $"{problemType}: {detail}"),
            (_, old) => old with { State = old.NotAfter is null ? "failing" : "valid, renewal failing", NextAttempt = retryAt, Failures = failures, LastError = $"{problemType}: {detail}" });
    }

    /// <summary>Each host's state now, by host name.</summary>
    public IReadOnlyList<KeyValuePair<string, HostStatus>> Hosts() => [.. _hosts.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase)];

    public Task WriteAsync(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(_hosts.OrderBy(h => h.Key).ToDictionary(h => h.Key, h => h.Value), Admin.AdminJson.Default.DictionaryStringHostStatus));
    }

    /// <summary>One line per host for <c>/readyz</c>: state, the certificate served, expiry, the CA's last problem, the next attempt.</summary>
    public IEnumerable<string> DescribeLines() => _hosts.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase).Select(h => Describe(h.Key, h.Value));

    private static string Describe(string host, HostStatus s)
    {
        var line = $"acme {host}: {s.State}; serving {(s.State == "file certificate" ? "the file certificate " : null)}{s.Certificate}";
        if (s.NotAfter is { } notAfter)
        {
            line += $" (expires {Utc(notAfter)})";
        }

        if (s.LastError is { } error)
        {
            line += $"; {s.Failures} failed attempt(s), last: {error}";
        }

        if (s.NextAttempt is { } next)
        {
            line += $"; {(s.LastError is null ? "renewal due" : "next attempt")} {Utc(next)}";
        }

        return line;
    }

    private static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// <see cref="Certificate"/> is what handshakes for the host get: <c>acme</c>, <c>self-signed fallback</c>, or the
    /// config key of a file certificate. <see cref="NextAttempt"/> is the renewal time when valid, the retry time when failing.
    /// </summary>
    internal sealed record HostStatus(string State, string Certificate, DateTimeOffset? NotAfter, DateTimeOffset? NextAttempt, int Failures, string? LastError);
}
