using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Acme;
using EdgeProxy.Configuration;
using EdgeProxy.Observability;
using EdgeProxy.Proxy;
using EdgeProxy.Streaming;
using EdgeProxy.Tls;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace EdgeProxy.Admin.Status;

/// <summary>
/// Builds a <see cref="StatusSnapshot"/> when someone asks for one, from state the proxy keeps anyway (YARP's
/// routes, clusters and destination health; the certificate store; ACME; the sampled counters). Only named, safe
/// fields are copied: never a certificate password, a key file's content, route transforms or header matches
/// (which can carry credentials), nor a destination's user info or query.
/// </summary>
internal sealed class StatusCollector(
    IProxyStateLookup proxy,
    CertificateStore certificates,
    ListenerBinder listeners,
    ReadinessState readiness,
    TrafficHistory traffic,
    UpstreamFailureLog failures,
    ConfigReloadOutcome reloads,
    TimeProvider time,
    StreamingPolicies streaming,
    AcmeStatus? acme = null)
{
    /// <summary>A certificate with fewer days left is flagged: two weeks gives a renewal that failed time to be noticed.</summary>
    public const int ExpiryWarningDays = 14;

    public StatusSnapshot Collect()
    {
        var now = time.GetUtcNow();
        return new StatusSnapshot(
            now,
            readiness.Describe(),
            Listeners(),
            [.. certificates.All.Select(c => Certificate(c, now)).OrderBy(c => c.Key, StringComparer.Ordinal)],
            [.. proxy.GetRoutes().Select(r => Route(r, streaming.Current)).OrderBy(r => r.Id, StringComparer.Ordinal)],
            [.. proxy.GetClusters().Select(Cluster).OrderBy(c => c.Id, StringComparer.Ordinal)],
            acme is null ? [] : [.. acme.Hosts().Select(h => new AcmeHostStatus(h.Key, h.Value.State, h.Value.Certificate, h.Value.NotAfter, h.Value.NextAttempt, h.Value.Failures, h.Value.LastError))],
            traffic.Read(),
            failures.Recent(),
            reloads.Last);
    }

    private List<ListenerStatus> Listeners()
    {
        var specs = listeners.Plan.Endpoints.ToDictionary(e => e.Name, StringComparer.OrdinalIgnoreCase);
        return [.. listeners.Listeners.Select(l =>
        {
            var spec = specs.GetValueOrDefault(l.Name);
            IReadOnlyList<string> keys = spec is null ? [] :
                [.. new[] { spec.Tls.Certificate?.Key }.Concat(spec.Sni.Select(s => s.Tls.Certificate?.Key)).OfType<string>()];
            if (spec is { IsHttps: true } && keys.Count == 0 && listeners.Plan.SelfSigned is { } selfSigned)
            {
                keys = [selfSigned.Key];
            }

            var address = spec?.Address.ToString() ?? (l.Kind == ListenerKind.Admin ? string.Join(" ", listeners.Plan.AdminAddresses) : l.Name);
            return new ListenerStatus(l.Name, l.Kind.ToString(), address, l.BoundPort, keys);
        })];
    }

    private CertificateStatus Certificate(ReloadableCertificate certificate, DateTimeOffset now)
    {
        var leaf = certificate.Current.Leaf;
        var days = (certificate.Current.NotAfter - now).TotalDays;
        var key = certificate.Spec.Key;
        var source = key == listeners.Plan.SelfSigned?.Key ? "self-signed"
            : key.StartsWith(AcmeOptions.SectionName + ":", StringComparison.OrdinalIgnoreCase) ? "acme"
            : "file";
        return new CertificateStatus(key, leaf.Subject, Names(leaf), leaf.Issuer, certificate.Current.NotAfter, Math.Round(days, 1),
            days < ExpiryWarningDays, source, certificate.Spec.Path);
    }

    private static List<string> Names(X509Certificate2 leaf)
    {
        var names = new List<string>();
        foreach (var extension in leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>())
        {
            names.AddRange(extension.EnumerateDnsNames());
            names.AddRange(extension.EnumerateIPAddresses().Select(ip => ip.ToString()));
        }

        return names;
    }

    /// <summary>A route as the page shows it; its stream policy is the one its requests start under, resolved as they resolve it.</summary>
    private static RouteStatus Route(RouteModel route, StreamingSettings streaming)
    {
        var config = route.Config;
        var metadata = config.Metadata;
        return new RouteStatus(config.RouteId, config.Match.Hosts ?? [], config.Match.Path ?? "(any)", config.ClusterId ?? "-", streaming.ForRoute(config).Name,
            config.AuthorizationPolicy ?? "-", metadata?.GetValueOrDefault(RouteMetadataKeys.AllowFrom) ?? "anyone");
    }

    private static ClusterStatus Cluster(ClusterState cluster) => new(cluster.ClusterId,
        [.. cluster.Destinations.Values.OrderBy(d => d.DestinationId, StringComparer.Ordinal).Select(d => new DestinationStatus(
            d.DestinationId,
            SafeAddress.Of(d.Model.Config.Address),
            d.Health.Active == DestinationHealth.Unhealthy || d.Health.Passive == DestinationHealth.Unhealthy ? "unhealthy"
                : d.Health.Active == DestinationHealth.Healthy || d.Health.Passive == DestinationHealth.Healthy ? "healthy" : "unknown",
            d.Health.Active.ToString(),
            d.Health.Passive.ToString(),
            d.ConcurrentRequestCount))]);
}
