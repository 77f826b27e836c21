using System.Globalization;
using System.Reflection;

namespace EdgeProxy.Configuration;

/// <summary>
/// Every value of an options property read as the binder will read it (true/false, an enum name, a whole number, a
/// duration, a URL), each one that cannot be a FAIL naming its key. Validators then see typed values only, and
/// nothing parses a raw key for itself. YARP's values are left to YARP's own validator.
/// </summary>
internal static class ValueCheck
{
    /// <summary>
    /// Reports every value that cannot be bound, and returns the configuration without them, which binds: the
    /// validators then still see (and report on) every other key of the same section.
    /// </summary>
    public static IConfiguration Check(IConfiguration config, ConfigReport report)
    {
        var before = report.Failures.Select(f => f.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Walk(config, null, ConfigModel.Root, report);
        var refused = report.Failures.Select(f => f.Key).Where(k => !before.Contains(k)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return refused.Count == 0
            ? config
            : new ConfigurationBuilder().AddInMemoryCollection(config.AsEnumerable().Where(kv => !refused.Contains(kv.Key))).Build();
    }

    private static void Walk(IConfiguration config, string? path, ConfigNode node, ConfigReport report)
    {
        var children = (path is null ? config.GetChildren() : config.GetSection(path).GetChildren()).ToList();
        switch (node)
        {
            case SectionNode section:
                foreach (var child in children)
                {
                    if (section.Keys.TryGetValue(child.Key, out var known))
                    {
                        Walk(config, child.Path, known, report);
                    }
                }

                break;
            case MapNode map:
                children.ForEach(child => Walk(config, child.Path, Inherit(map.Entry, map.Source), report));
                break;
            case ListNode list when children.Count == 0 && path is not null && config[path] is { Length: > 0 } single:
                report.Fail(path, $"must be a list: [\"{single}\"]"); // the binder would make it an empty list
                break;
            case ListNode list:
                children.ForEach(child => Walk(config, child.Path, Inherit(list.Item, list.Source), report));
                break;
            case ValueNode { AcceptsList: true } value when children.Count > 0 && Owned(value):
                foreach (var child in children.Where(c => c.Value is not null))
                {
                    if (Problem(value, child.Value!) is { } entryProblem)
                    {
                        report.Fail(child.Path, entryProblem); // the binder would drop the entry in silence
                    }
                }

                break;
            case ValueNode value when path is not null && config[path] is { } text && Owned(value):
                if (Problem(value, text) is { } problem)
                {
                    report.Fail(path, problem);
                }
                else if (Understood(value, text) is { } shown)
                {
                    report.Ok(path, shown); // a duration as read: "60" would have been 60 days
                }

                break;
        }
    }

    /// <summary>An entry of a list or map of values is owned as the property holding it is (an enum list's "Dns01" is ours to refuse).</summary>
    private static ConfigNode Inherit(ConfigNode entry, MemberInfo? holder) => entry is ValueNode { Source: null } value && holder is not null ? value with { Source = holder } : entry;

    /// <summary>EdgeProxy's options and Kestrel's; YARP reads and reports its own.</summary>
    private static bool Owned(ValueNode value) => value.Source is PropertyInfo property
        && (property.DeclaringType?.Assembly == typeof(ValueCheck).Assembly || property.DeclaringType?.Namespace?.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) == true);

    private static string? Problem(ValueNode value, string text)
    {
        if (value.Source is PropertyInfo property && OptionsModel.ConvertedList(property.PropertyType) is not null)
        {
            try
            {
                System.ComponentModel.TypeDescriptor.GetConverter(property.PropertyType).ConvertFromInvariantString(text);
                return null;
            }
            catch (FormatException ex)
            {
                return ex.Message;
            }
        }

        var type = Nullable.GetUnderlyingType(value.Type) ?? value.Type;
        if (text.Length == 0 && Nullable.GetUnderlyingType(value.Type) is not null)
        {
            return null; // an empty value leaves a nullable unset
        }

        return type switch
        {
            _ when type == typeof(bool) => bool.TryParse(text, out _) ? null : $"'{text}' is not true or false",
            _ when type.IsEnum => Enum.TryParse(type, text, ignoreCase: true, out var parsed) && Enum.IsDefined(type, parsed!) && !text.Trim().All(char.IsAsciiDigit)
                ? null
                : $"'{text}' is not one of {string.Join(", ", Enum.GetNames(type))}",
            _ when type == typeof(Duration) => Duration.TryParse(text, out _) ? null : Duration.Problem(text),
            _ when type == typeof(TimeSpan) => TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out _) ? null : $"'{text}' is not a duration; this key takes hh:mm:ss such as \"00:02:00\"",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && Fits(type, number)
                ? null
                : $"'{text}' is not a whole number{(type == typeof(int) ? " (at most 2147483647)" : string.Empty)}",
            _ when type == typeof(Uri) => Uri.TryCreate(text, UriKind.RelativeOrAbsolute, out _) ? null : $"'{text}' is not a URL",
            _ => null,
        };
    }

    private static string? Understood(ValueNode value, string text) => (Nullable.GetUnderlyingType(value.Type) ?? value.Type) switch
    {
        var t when t == typeof(Duration) && Duration.TryParse(text, out var duration) => Duration.Show(duration),
        var t when t == typeof(TimeSpan) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) => Duration.Show(span),
        _ => null,
    };

    private static bool Fits(Type type, long number) =>
        type == typeof(long) || (type == typeof(int) && number is >= int.MinValue and <= int.MaxValue) || (type == typeof(short) && number is >= short.MinValue and <= short.MaxValue);
}
