using System.Collections.ObjectModel;
using System.ComponentModel;
using System.Globalization;
using System.Security.Authentication;

namespace EdgeProxy.Tls;

/// <summary>
/// TLS versions as Kestrel's endpoint schema lists them (<c>["Tls12", "Tls13"]</c>), or as one comma-separated value
/// (<c>"Tls12,Tls13"</c>, what an environment variable or a command-line override most easily says). The binder fills
/// the list form as a collection and converts the single form with <see cref="TlsVersionConverter"/>.
/// </summary>
[TypeConverter(typeof(TlsVersionConverter))]
public sealed class TlsVersionCollection : Collection<SslProtocols>
{
    /// <summary>The versions as one flags value.</summary>
    public SslProtocols Combined => this.Aggregate(SslProtocols.None, (all, version) => all | version);
}

/// <summary>Reads <c>"Tls12,Tls13"</c> into a <see cref="TlsVersionCollection"/>.</summary>
internal sealed class TlsVersionConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) => sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value)
    {
        if (value is not string text)
        {
            return base.ConvertFrom(context, culture, value);
        }

        var versions = new TlsVersionCollection();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            versions.Add(Enum.TryParse<SslProtocols>(part, ignoreCase: true, out var version) && Enum.IsDefined(version) && !part.All(char.IsAsciiDigit)
                ? version
                : throw new FormatException($"'{part}' is not a TLS version; use Tls12 and/or Tls13"));
        }

        return versions;
    }
}
