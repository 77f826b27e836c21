using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;

namespace EdgeProxy.Acme;

/// <summary>
/// What the issuer knows per host, for operators: <c>GET /acme</c> on the admin listener (JSON) and the
/// <c>edgeproxy.acme.failures</c> counter. Days until expiry come from the certificate store's gauge.
/// </summary>
internal sealed class AcmeStatus
{
    private readonly ConcurrentDictionary<string, HostStatus> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Counter<long> _failures;

    public AcmeStatus(IMeterFactory meters)
    {
        // Same meter name as EdgeProxyMetrics: the factory hands back one Meter, already exported.
        _failures = meters.Create(Observability.EdgeProxyMetrics.MeterName)
            .CreateCounter<long>("edgeproxy.acme.failures", "{failure}", "Failed ACME orders (issuance and renewal) by host and problem type");
    }

    public void Pending(string host) => _hosts[host] = new HostStatus("pending", null, null, 0, null);

    public void Serving(string host, DateTimeOffset notAfter, DateTimeOffset renewAt) => _hosts[host] = new HostStatus("valid", notAfter, renewAt, 0, null);

    public void Failed(string host, string problemType, string detail, int failures, DateTimeOffset retryAt)
    {
        _failures.Add(1, new("host", host), new("type", problemType));
        _hosts.AddOrUpdate(host,
            _ => new HostStatus("failing", null, retryAt, failures, $"{problemType}: {detail}"),
            (_, old) => old with { State = old.NotAfter is null ? "failing" : "valid, renewal failing", NextAttempt = retryAt, Failures = failures, LastError = $"{problemType}: {detail}" });
    }

    public Task WriteAsync(HttpContext context)
    {
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(_hosts.OrderBy(h => h.Key).ToDictionary(h => h.Key, h => h.Value), JsonOptions));
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary><see cref="NextAttempt"/> is the renewal time when valid, the retry time when failing.</summary>
    internal sealed record HostStatus(string State, DateTimeOffset? NotAfter, DateTimeOffset? NextAttempt, int Failures, string? LastError);
}
