using EdgeProxy.Configuration;
using EdgeProxy.ForwardedHeaders;

namespace EdgeProxy.RequestHeaders;

/// <summary>The bound <c>EdgeProxy:RequestHeaders</c>, every entry by its full key, all problems at once.</summary>
internal sealed class RequestHeaderOptionsValidator(IConfiguration configuration) : OptionsValidator<RequestHeaderOptions>
{
    private const string Section = RequestHeaderOptions.SectionName;
    private static readonly HashSet<string> OwnedKeys = [.. KnownRequestHeaders.Owned.Select(HeaderNameKey.Of)];

    public override void Check(RequestHeaderOptions options, ConfigReport report)
    {
        var strip = Names($"{Section}:{nameof(RequestHeaderOptions.Strip)}", options.Strip, report);
        var accept = Names($"{Section}:{nameof(RequestHeaderOptions.AcceptFromTrustedProxies)}", options.AcceptFromTrustedProxies, report);
        foreach (var (path, name) in accept)
        {
            if (Refusal(name) is { } why)
            {
                report.Fail(path, $"'{name}' {why}");
            }
            else if (strip.Any(s => HeaderNameKey.Of(s.Name) == HeaderNameKey.Of(name) && s.Name.EndsWith('*') == name.EndsWith('*')))
            {
                report.Fail(path, $"'{name}' is also under {Section}:Strip; a header is either removed from everyone or accepted from trusted peers");
            }
        }

        if (accept.Count > 0 && BoundOptions.Get<TrustedProxiesOptions>(configuration).Networks is not { Length: > 0 })
        {
            report.Warn(Section + ":AcceptFromTrustedProxies", "EdgeProxy:TrustedProxies:Networks is empty: no peer is trusted, so these headers are removed from everyone");
        }

        if (strip.Count + accept.Count > 0)
        {
            report.Ok(Section, $"{strip.Count} more header(s) removed from every peer, {accept.Count} accepted from trusted proxies only");
        }
    }

    /// <summary>Why a name cannot be accepted from trusted peers, or null when it can.</summary>
    private static string? Refusal(string name)
    {
        var key = HeaderNameKey.Of(name);
        var prefix = name.EndsWith('*');
        if (OwnedKeys.Any(o => prefix ? o.StartsWith(key, StringComparison.Ordinal) : o == key))
        {
            return "is written by EdgeProxy itself (X-Forwarded-*, X-Real-IP, Forwarded, X-Auth-Request-*): it is never passed on";
        }

        var families = prefix
            ? KnownRequestHeaders.All.Where(k => k.Key.StartsWith(key, StringComparison.Ordinal)).Select(k => k.Family).Append(StripRules.Family(name))
            : [StripRules.Family(name)];
        return families.Distinct().OrderBy(f => f).FirstOrDefault(f => f is HeaderFamily.Certificate or HeaderFamily.UrlOverride or HeaderFamily.MethodOverride) switch
        {
            HeaderFamily.Certificate => "is a client-certificate header: use EdgeProxy:ClientCertificates:AcceptFromTrustedProxies, which validates the certificate",
            HeaderFamily.UrlOverride => "overrides the URL, path or host the app serves: it would bypass the route EdgeProxy chose, so it is never passed on",
            HeaderFamily.MethodOverride => "is a method override: allow it per route with \"EdgeProxy.MethodOverride\": \"Allow\"",
            _ => null,
        };
    }

    /// <summary>The entries that are header names, each with its key (<c>...:Strip:0</c>); the others are reported.</summary>
    private static List<(string Path, string Name)> Names(string key, string[]? list, ConfigReport report)
    {
        var names = new List<(string, string)>(); // a single value instead of a list: ValueCheck refuses it
        foreach (var (name, index) in (list ?? []).Select((n, i) => (n, i)))
        {
            var path = $"{key}:{index}";
            var bare = name?.EndsWith('*') == true ? name[..^1] : name;
            if (string.IsNullOrEmpty(bare) || !bare.All(IsTokenChar) || HeaderNameKey.Of(bare).Length == 0)
            {
                report.Fail(path, $"'{name}' is not a header name (letters, digits and !#$%&'*+-.^_`|~, optionally ending in * for a prefix)");
                continue;
            }

            names.Add((path, name!));
        }

        return names;
    }

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);
}
