using System.Globalization;
using System.Text;

namespace EdgeProxy.Admin.Status;

/// <summary>
/// The two series the status page reads out of the Prometheus text <c>/metrics</c> serves: requests per route and
/// status class, and open streams per policy. Reading the exporter's own output (instead of listening to the
/// instruments) adds nothing to a request: the counters are updated once per request either way.
/// </summary>
internal sealed record PrometheusSample(IReadOnlyDictionary<string, (long Total, long Errors)> Requests, IReadOnlyDictionary<string, long> Streams)
{
    public static readonly PrometheusSample Empty = new(new Dictionary<string, (long, long)>(), new Dictionary<string, long>());

    private const string RequestsSeries = "edgeproxy_requests_total";
    private const string StreamsSeries = "edgeproxy_streams_active";

    public static PrometheusSample Parse(string text)
    {
        var requests = new Dictionary<string, (long Total, long Errors)>(StringComparer.Ordinal);
        var streams = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var isRequests = line.StartsWith(RequestsSeries + "{", StringComparison.Ordinal);
            if (!isRequests && !line.StartsWith(StreamsSeries + "{", StringComparison.Ordinal))
            {
                continue;
            }

            var name = isRequests ? RequestsSeries : StreamsSeries;
            if (!TryLabels(line, name.Length + 1, out var labels, out var end) || !TryValue(line, end, out var value))
            {
                continue;
            }

            if (isRequests && labels.TryGetValue("route", out var route))
            {
                var (total, errors) = requests.GetValueOrDefault(route);
                var error = labels.GetValueOrDefault("status_class") == "5xx";
                requests[route] = (total + value, errors + (error ? value : 0));
            }
            else if (!isRequests && labels.TryGetValue("policy", out var policy))
            {
                streams[policy] = streams.GetValueOrDefault(policy) + value;
            }
        }

        return new PrometheusSample(requests, streams);
    }

    /// <summary>Reads <c>a="x",b="y\"z"}</c> from <paramref name="start"/>; <paramref name="end"/> is after the brace.</summary>
    private static bool TryLabels(string line, int start, out Dictionary<string, string> labels, out int end)
    {
        labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = start;
        while (i < line.Length && line[i] != '}')
        {
            var eq = line.IndexOf('=', i);
            if (eq < 0 || eq + 1 >= line.Length || line[eq + 1] != '"')
            {
                end = 0;
                return false;
            }

            var value = new StringBuilder();
            var j = eq + 2;
            for (; j < line.Length && line[j] != '"'; j++)
            {
                if (line[j] == '\\' && j + 1 < line.Length)
                {
                    j++;
                    value.Append(line[j] == 'n' ? '\n' : line[j]);
                }
                else
                {
                    value.Append(line[j]);
                }
            }

            labels[line[i..eq].Trim()] = value.ToString();
            i = j + 1;
            if (i < line.Length && line[i] == ',')
            {
                i++;
            }
        }

        end = i + 1;
        return i < line.Length;
    }

    private static bool TryValue(string line, int start, out long value)
    {
        var rest = line[start..].Trim();
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        var number = space < 0 ? rest : rest[..space];
        value = 0;
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || double.IsNaN(d) || double.IsInfinity(d))
        {
            return false;
        }

        value = (long)d;
        return true;
    }
}
