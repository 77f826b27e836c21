using System.Diagnostics;

namespace EdgeProxy.Hsts;

/// <summary>An immutable snapshot of <see cref="HstsOptions"/>, resolved per host once per options change.</summary>
internal sealed class HstsPolicies
{
    private readonly HstsPolicy _default;
    private readonly Dictionary<string, HstsPolicy> _exact = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<(string Suffix, HstsPolicy Policy)> _wildcards = [];

    public HstsPolicies(HstsOptions options)
    {
        var excluded = new HashSet<string>(options.ExcludedHosts, StringComparer.OrdinalIgnoreCase);
        _default = Create(options, null, excludedHost: false);
        foreach (var (host, overrides) in options.Hosts)
        {
            var policy = Create(options, overrides, excluded.Contains(host));
            if (host.StartsWith("*.", StringComparison.Ordinal))
            {
                _wildcards.Add((host[1..], policy));
            }
            else
            {
                _exact[host] = policy;
            }
        }

        foreach (var host in excluded.Where(h => !_exact.ContainsKey(h)))
        {
            _exact[host] = _default with { Value = null };
        }

        _wildcards.Sort((a, b) => b.Suffix.Length.CompareTo(a.Suffix.Length));
    }

    public HstsPolicy For(string host)
    {
        if (_exact.TryGetValue(host, out var exact))
        {
            return exact;
        }

        foreach (var (suffix, policy) in _wildcards)
        {
            if (Tls.WildcardName.Covers(suffix, host))
            {
                return policy;
            }
        }

        return _default;
    }

    private static HstsPolicy Create(HstsOptions options, HstsHostOptions? host, bool excludedHost)
    {
        // check refuses an unparsable MaxAge at start and on reload (the last good file is kept), so this always parses.
        var parsed = HstsMaxAge.TryParse(host?.MaxAge ?? options.MaxAge, out var maxAge);
        Debug.Assert(parsed, "MaxAge is validated at load");
        var value = StsHeader.Format(maxAge, host?.IncludeSubDomains ?? options.IncludeSubDomains, host?.Preload ?? options.Preload);
        return new HstsPolicy(host?.Owner ?? options.Owner, excludedHost ? null : value);
    }
}
