using System.ComponentModel;
using System.Globalization;

namespace EdgeProxy.Configuration;

/// <summary>How the configuration binder reads a <see cref="Duration"/>: "30s", "5m", "24h" or "00:00:30".</summary>
internal sealed class DurationConverter : TypeConverter
{
    public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) => sourceType == typeof(string) || base.CanConvertFrom(context, sourceType);

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) => value is string text
        ? Duration.TryParse(text, out var duration) ? new Duration(duration) : throw new FormatException(Duration.Problem(text))
        : base.ConvertFrom(context, culture, value);
}
