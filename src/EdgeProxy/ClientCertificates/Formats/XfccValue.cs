using System.Text;

namespace EdgeProxy.ClientCertificates.Formats;

/// <summary>Envoy XFCC: elements split on ',' and pairs on ';' outside double quotes; <c>\"</c> inside quotes; keys case-insensitive.</summary>
internal static class XfccValue
{
    public static List<Dictionary<string, string>> Parse(string value)
    {
        var elements = new List<Dictionary<string, string>>();
        var current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var token = new StringBuilder();
        string? key = null;
        var quoted = false;
        for (var i = 0; i <= value.Length; i++)
        {
            var c = i < value.Length ? value[i] : ',';
            if (quoted)
            {
                if (c == '\\' && i + 1 < value.Length)
                {
                    token.Append(value[++i]);
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    token.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == '=' && key is null)
            {
                key = token.ToString().Trim();
                token.Clear();
            }
            else if (c is ';' or ',')
            {
                if (key is not null)
                {
                    current.TryAdd(key, token.ToString());
                }

                key = null;
                token.Clear();
                if (c == ',' && current.Count > 0)
                {
                    elements.Add(current);
                    current = new(StringComparer.OrdinalIgnoreCase);
                }
            }
            else
            {
                token.Append(c);
            }
        }

        return elements;
    }
}
