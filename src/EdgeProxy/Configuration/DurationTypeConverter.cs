using System.ComponentModel;
using System.Globalization;

namespace EdgeProxy.Configuration;

/// <summary>Lets every <see cref="TimeSpan"/> option bind from "30s"/"5m"/"24h" as well as "00:00:30".</summary>
internal sealed class DurationTypeConverter : TimeSpanConverter
{
    private static int _registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            TypeDescriptor.AddAttributes(typeof(TimeSpan), new TypeConverterAttribute(typeof(DurationTypeConverter)));
        }
    }

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) =>
        value is string text && Duration.TryParse(text, out var duration) ? duration : base.ConvertFrom(context, culture, value);
}
