using EdgeProxy.Configuration;
using EdgeProxy.Tls;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Acme;

/// <summary>Which host names ACME manages: the explicit list, else the literal names in route <c>Match:Hosts</c>.</summary>
internal static class AcmeHosts
{
    /// <summary>The names to order for; <paramref name="fileCertificates"/> gets the names a file certificate covers (name → its config key).</summary>
    /// <remarks><paramref name="routes"/> are the routes as YARP read them (the check's, or YARP's running configuration).</remarks>
    public static IReadOnlyList<string> Resolve(string[] explicitHosts, IReadOnlyList<RouteConfig> routes, IReadOnlyList<EndpointSpec> endpoints, ConfigReport report,
        Dictionary<string, string>? fileCertificates = null)
    {
        const string key = AcmeOptions.SectionName;
        var hosts = new List<string>();
        if (explicitHosts.Length > 0)
        {
            foreach (var host in explicitHosts.Select(h => (h ?? string.Empty).Trim().TrimEnd('.').ToLowerInvariant()))
            {
                if (Problem(host) is { } problem)
                {
                    report.Fail(key + ":Hosts", $"'{host}' {problem}");
                }
                else
                {
                    hosts.Add(host);
                }
            }
        }
        else
        {
            foreach (var route in routes)
            {
                foreach (var entry in route.Match.Hosts ?? [])
                {
                    var host = StripPort((entry ?? string.Empty).Trim()).TrimEnd('.').ToLowerInvariant();
                    if (Problem(host) is { } problem)
                    {
                        report.Warn($"{Proxy.ReverseProxyConfigValidator.SectionName}:Routes:{route.RouteId}:Match:Hosts", $"'{entry}' gets no ACME certificate: it {problem}");
                    }
                    else
                    {
                        hosts.Add(host);
                    }
                }
            }
        }

        // A file certificate configured for a host (an SNI entry) wins: no order is placed for it.
        var result = new List<string>();
        foreach (var host in hosts.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var sni = endpoints.SelectMany(e => e.Sni).FirstOrDefault(s => s.Tls.Certificate is not null && Covers(s.Host, host));
            if (sni is not null)
            {
                report.Ok(key + ":Hosts", $"'{host}' is served from {sni.Key}:Certificate; no ACME certificate is requested");
                fileCertificates?.TryAdd(host, sni.Key + ":Certificate");
            }
            else
            {
                result.Add(host);
            }
        }

        return result;
    }

    private static string? Problem(string host) => host switch
    {
        "" => "is empty",
        _ when host.Contains('*', StringComparison.Ordinal) => "is a wildcard, which needs the DNS-01 challenge EdgeProxy does not offer",
        _ when AcmeOptionsValidator.IsIpAddress(host) => "is an IP address; public CAs issue for DNS names only",
        "localhost" => "is localhost, which no CA can validate",
        _ when !host.Contains('.', StringComparison.Ordinal) => "is not a fully qualified domain name",
        _ => null,
    };

    private static string StripPort(string host)
    {
        var colon = host.LastIndexOf(':');
        return colon > 0 && !host.EndsWith(']') && host.IndexOf(':') == colon ? host[..colon] : host;
    }

    private static bool Covers(string pattern, string host) =>
        pattern == "*"
            ? false
            : pattern.StartsWith("*.", StringComparison.Ordinal)
                ? WildcardName.Covers(pattern[1..], host)
                : pattern.Equals(host, StringComparison.OrdinalIgnoreCase);
}
