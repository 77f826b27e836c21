namespace EdgeProxy.Admin.Status;

/// <summary>
/// The status page as plain server-rendered tables, complete without JavaScript. <c>/status.js</c> (same origin, so
/// the strict CSP holds) polls <c>/status.json</c> and rebuilds the same tables from the same field names.
/// </summary>
internal static class StatusPage
{
    public static string Render(StatusSnapshot s)
    {
        var html = new HtmlWriter();
        html.Raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
            .Raw("<title>EdgeProxy status</title><link rel=\"stylesheet\" href=\"/status.css\"><script src=\"/status.js\" defer></script></head>")
            .Raw("<body data-rendered=\"server\"><header><h1>EdgeProxy status</h1><p>Readiness: <b id=\"readiness\">").Text(s.Readiness)
            .Raw("</b> · generated <span id=\"generated\">").Text(HtmlWriter.Time(s.GeneratedAt))
            .Raw("</span> · <a href=\"/status.json\">/status.json</a> · <span id=\"live\">reload the page to refresh</span></p></header><main>");

        html.Table("listeners", "Listeners", ["Name", "Kind", "Address", "Port", "Certificates"],
            s.Listeners.Select(l => Row(w => w.Row(null, l.Name, l.Kind, l.Address, l.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), string.Join(", ", l.Certificates)))),
            "no listener");

        html.Table("certificates", "Certificates", ["Certificate", "Subject", "Names", "Issuer", "Expires", "Days left", "Source", "File"],
            s.Certificates.Select(c => Row(w => w.Raw(c.ExpiresSoon ? "<tr class=\"warn\">" : "<tr>").Cell(c.Key).Cell(c.Subject).Cell(string.Join(", ", c.Names))
                .Cell(c.Issuer).Cell(HtmlWriter.Time(c.NotAfter)).Cell(DaysLeft(c), c.ExpiresSoon ? "bad" : null).Cell(c.Source).Cell(c.File).Raw("</tr>"))),
            "no certificate loaded");

        html.Table("routes", "Routes", ["Route", "Hosts", "Path", "Cluster", "Stream policy", "Authorization", "Allowed clients"],
            s.Routes.Select(r => Row(w => w.Row(null, r.Id, r.Hosts.Count == 0 ? "(any)" : string.Join(", ", r.Hosts), r.Path, r.Cluster, r.StreamPolicy, r.AuthorizationPolicy, r.AllowFrom))),
            "no route");

        html.Table("clusters", "Clusters", ["Cluster", "Destination", "Address", "Health", "Active check", "Passive check", "In flight"],
            s.Clusters.SelectMany(c => c.Destinations.Select(d => Row(w => w.Raw(d.Health == "unhealthy" ? "<tr class=\"down\">" : "<tr>").Cell(c.Id).Cell(d.Id).Cell(d.Address)
                .Cell(d.Health, d.Health == "unhealthy" ? "bad" : d.Health == "healthy" ? "good" : null).Cell(d.Active).Cell(d.Passive)
                .Cell(d.InFlight.ToString(System.Globalization.CultureInfo.InvariantCulture)).Raw("</tr>")))),
            "no cluster");

        html.Raw("<section><h2>Traffic</h2><p class=\"note\" id=\"traffic-note\">").Text(TrafficNote(s.Traffic)).Raw("</p></section>");
        html.Table("traffic", "Requests per route", ["Route", "Requests/s", "History", "5xx rate", "History"],
            s.Traffic.Routes.Select(t => Row(w => w.Raw("<tr>").Cell(t.Route).Cell(Last(t.RequestsPerSecond)).Raw("<td>").Sparkline(t.RequestsPerSecond, "requests per second").Raw("</td>")
                .Cell(Percent(t.ErrorRate)).Raw("<td>").Sparkline(t.ErrorRate, "5xx rate").Raw("</td></tr>"))),
            "no request counted yet");

        html.Table("streams", "Open streams", ["Kind", "Open"],
            s.Traffic.Streams.Select(t => Row(w => w.Row(null, t.Kind, t.Open.ToString(System.Globalization.CultureInfo.InvariantCulture)))),
            "none open");

        html.Table("acme", "ACME hosts", ["Host", "State", "Serving", "Expires", "Next attempt", "Failures", "Last problem"],
            s.Acme.Select(a => Row(w => w.Row(null, a.Host, a.State, a.Certificate, HtmlWriter.Time(a.NotAfter), HtmlWriter.Time(a.NextAttempt),
                a.Failures.ToString(System.Globalization.CultureInfo.InvariantCulture), a.LastProblem ?? "-"))),
            "ACME is not configured");

        html.Table("failures", "Last upstream failures", ["Time", "Route", "Cluster", "Destination", "Failure"],
            s.UpstreamFailures.Select(f => Row(w => w.Row(null, HtmlWriter.Time(f.At), f.Route, f.Cluster, f.Destination, f.Failure))),
            "none since start");

        html.Table("reload", "Last config reload", ["Time", "Outcome", "Why"],
            s.LastReload is { } r ? [Row(w => w.Raw(r.Accepted ? "<tr>" : "<tr class=\"warn\">").Cell(HtmlWriter.Time(r.At)).Cell(r.Accepted ? "accepted" : "refused", r.Accepted ? "good" : "bad")
                .Cell(r.Accepted ? "-" : string.Join("\n", r.Problems)).Raw("</tr>"))] : [],
            "no reload since start");

        return html.Raw("</main></body></html>").ToString();
    }

    internal static string DaysLeft(CertificateStatus c) =>
        c.DaysToExpiry < 0 ? "EXPIRED" : HtmlWriter.Number(c.DaysToExpiry) + (c.ExpiresSoon ? " (expires soon)" : string.Empty);

    internal static string TrafficNote(TrafficStatus t) => t.Available
        ? $"Sampled every {t.SampleSeconds} s from the request counters /metrics serves; the history covers the last {TrafficHistory.Points * t.SampleSeconds / 60} minutes."
        : "Metrics are off (EdgeProxy:Telemetry:Metrics is false): no request rates or stream counts.";

    private static string Last(IReadOnlyList<double> values) => values.Count == 0 ? "-" : HtmlWriter.Number(values[^1]);

    private static string Percent(IReadOnlyList<double> values) => values.Count == 0 ? "-" : HtmlWriter.Number(values[^1] * 100) + " %";

    private static Action<HtmlWriter> Row(Action<HtmlWriter> row) => row;
}
