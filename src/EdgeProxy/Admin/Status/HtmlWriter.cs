using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace EdgeProxy.Admin.Status;

/// <summary>
/// Markup for the status page where every value goes through <see cref="HtmlEncoder"/>: route ids, hosts, certificate
/// subjects and failure texts come from config files, certificates and the network, and must render as text.
/// Only the fixed tags and class names written here are markup.
/// </summary>
internal sealed class HtmlWriter
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;
    private readonly StringBuilder _html = new(16 * 1024);

    public HtmlWriter Raw(string markup)
    {
        _html.Append(markup);
        return this;
    }

    public HtmlWriter Text(string? value)
    {
        _html.Append(Encoder.Encode(value ?? string.Empty));
        return this;
    }

    /// <summary>A section with its heading and a table whose body the script replaces when it polls.</summary>
    public HtmlWriter Table(string id, string title, string[] headings, IEnumerable<Action<HtmlWriter>> rows, string empty)
    {
        Raw("<section><h2>").Text(title).Raw("</h2><table id=\"").Text(id).Raw("\"><thead><tr>");
        foreach (var heading in headings)
        {
            Raw("<th>").Text(heading).Raw("</th>");
        }

        Raw("</tr></thead><tbody>");
        var any = false;
        foreach (var row in rows)
        {
            any = true;
            row(this);
        }

        if (!any)
        {
            Raw("<tr><td class=\"none\" colspan=\"").Raw(headings.Length.ToString(CultureInfo.InvariantCulture)).Raw("\">").Text(empty).Raw("</td></tr>");
        }

        return Raw("</tbody></table></section>");
    }

    /// <summary>A row; <paramref name="rowClass"/> is one of this file's fixed class names, never a value.</summary>
    public HtmlWriter Row(string? rowClass, params string?[] cells)
    {
        Raw(rowClass is null ? "<tr>" : $"<tr class=\"{rowClass}\">");
        foreach (var cell in cells)
        {
            Raw("<td>").Text(cell).Raw("</td>");
        }

        return Raw("</tr>");
    }

    public HtmlWriter Cell(string? value, string? cellClass = null) =>
        Raw(cellClass is null ? "<td>" : $"<td class=\"{cellClass}\">").Text(value).Raw("</td>");

    /// <summary>A polyline of <paramref name="values"/> scaled to its own maximum; the numbers are formatted here, never copied.</summary>
    public HtmlWriter Sparkline(IReadOnlyList<double> values, string label)
    {
        Raw("<svg class=\"spark\" viewBox=\"0 0 120 20\" width=\"120\" height=\"20\" role=\"img\" aria-label=\"").Text(label).Raw("\">");
        if (values.Count > 1)
        {
            Raw("<polyline fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.5\" points=\"").Raw(Points(values)).Raw("\"/>");
        }

        return Raw("</svg>");
    }

    internal static string Points(IReadOnlyList<double> values)
    {
        var max = Math.Max(values.Max(), 1e-9);
        var step = 120.0 / Math.Max(values.Count - 1, 1);
        return string.Join(' ', values.Select((v, i) => string.Create(CultureInfo.InvariantCulture, $"{i * step:0.#},{19 - (Math.Max(v, 0) / max * 18):0.#}")));
    }

    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    public static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public override string ToString() => _html.ToString();
}
