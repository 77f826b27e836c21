using System.Text;
using Microsoft.AspNetCore.Routing.Patterns;
using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Proxy;

/// <summary>
/// What ASP.NET Core routing can tell a route by: its path pattern as the matcher ranks it (parameter names
/// do not count: <c>{**any}</c> and <c>/{**catch-all}</c> are the same route), headers, query parameters and
/// order; hosts and methods are kept apart because two routes may share only some of them.
/// </summary>
internal sealed record RouteMatchShape(string Pattern, IReadOnlySet<string> Hosts, IReadOnlySet<string> Methods)
{
    /// <summary>YARP's path when a route names only hosts.</summary>
    private const string DefaultPath = "/{**catchall}";

    public static RouteMatchShape Of(RouteConfig route)
    {
        var match = route.Match;
        var pattern = new StringBuilder();
        pattern.Append("order=").Append(route.Order ?? 0).Append(" path=").Append(CanonicalPath(match.Path ?? DefaultPath));
        foreach (var header in (match.Headers ?? []).OrderBy(h => h.Name, StringComparer.OrdinalIgnoreCase))
        {
            pattern.Append(" header=").Append(header.Name.ToLowerInvariant()).Append(':').Append(header.Mode).Append(':').Append(header.IsCaseSensitive)
                .Append(':').AppendJoin(',', (header.Values ?? []).Order(StringComparer.Ordinal));
        }

        foreach (var query in (match.QueryParameters ?? []).OrderBy(q => q.Name, StringComparer.OrdinalIgnoreCase))
        {
            pattern.Append(" query=").Append(query.Name.ToLowerInvariant()).Append(':').Append(query.Mode).Append(':').Append(query.IsCaseSensitive)
                .Append(':').AppendJoin(',', (query.Values ?? []).Order(StringComparer.Ordinal));
        }

        return new RouteMatchShape(
            pattern.ToString(),
            (match.Hosts ?? []).Select(h => h.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal),
            (match.Methods ?? []).Select(m => m.ToUpperInvariant()).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>Hosts or methods both routes accept; null when no request can match both.</summary>
    public static IReadOnlySet<string>? Shared(IReadOnlySet<string> a, IReadOnlySet<string> b)
    {
        if (a.Count == 0 || b.Count == 0)
        {
            // "Any" against a list: the matcher prefers the route that names them, so nothing is shared unless both say any.
            return a.Count == b.Count ? a : null;
        }

        var shared = a.Intersect(b).ToHashSet(StringComparer.Ordinal);
        return shared.Count == 0 ? null : shared;
    }

    private static string CanonicalPath(string path)
    {
        RoutePattern parsed;
        try
        {
            parsed = RoutePatternFactory.Parse(path);
        }
        catch (RoutePatternException)
        {
            return path; // YARP's validator reports it
        }

        var text = new StringBuilder();
        foreach (var segment in parsed.PathSegments)
        {
            text.Append('/');
            foreach (var part in segment.Parts)
            {
                switch (part)
                {
                    case RoutePatternLiteralPart literal:
                        text.Append(literal.Content.ToLowerInvariant());
                        break;
                    case RoutePatternSeparatorPart separator:
                        text.Append(separator.Content);
                        break;
                    case RoutePatternParameterPart parameter:
                        text.Append('{').Append(parameter.IsCatchAll ? "**" : string.Empty)
                            .AppendJoin(':', parameter.ParameterPolicies.Select(p => p.Content))
                            .Append(parameter.IsOptional ? "?" : string.Empty).Append('}');
                        break;
                }
            }
        }

        return text.Length == 0 ? "/" : text.ToString();
    }
}
