using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;

namespace EdgeProxy.Configuration;

/// <summary>
/// Every value of an options property read as the binder will read it (true/false, an enum name, a whole number, a
/// duration, a URL), each one that cannot be a FAIL naming its key. Validators then see typed values only, and
/// nothing parses a raw key for itself. YARP's values too, as YARP's own reader parses them (it throws on the first
/// bad one, naming neither key nor fix); a YARP duration over a day is a WARN naming the likely intended value.
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
                else if (YarpDurationWarning(value, path, text) is { } warning)
                {
                    report.Warn(path, warning);
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

    /// <summary>EdgeProxy's options, Kestrel's, and YARP's route and cluster values.</summary>
    private static bool Owned(ValueNode value) => value.Source is PropertyInfo property
        && (property.DeclaringType?.Assembly == typeof(ValueCheck).Assembly
            || property.DeclaringType?.Namespace?.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) == true
            || IsYarp(property));

    private static bool IsYarp(PropertyInfo property) => property.DeclaringType?.Namespace?.StartsWith("Yarp.ReverseProxy", StringComparison.Ordinal) == true;

    /// <summary>A YARP timeout or interval over a day ("60", the nginx habit, is 60 days); a cookie's lifetime may well be that long.</summary>
    private static string? YarpDurationWarning(ValueNode value, string path, string text) =>
        value.Source is PropertyInfo property && IsYarp(property) && (Nullable.GetUnderlyingType(value.Type) ?? value.Type) == typeof(TimeSpan)
            && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var duration) && duration > TimeSpan.FromDays(1)
            && !path.Contains(":SessionAffinity:", StringComparison.OrdinalIgnoreCase)
            ? $"'{text}' is {Duration.Show(duration)} in YARP's [d.]hh:mm:ss syntax; {LikelyMeant(text.Trim())}"
            : null;

    /// <summary>What a timeout over a day most likely meant: a bare number is nginx's seconds.</summary>
    private static string LikelyMeant(string value) =>
        value.All(char.IsAsciiDigit) && int.TryParse(value, CultureInfo.InvariantCulture, out var seconds) && seconds < 86_400 * 365
            ? $"for {seconds} seconds write \"{TimeSpan.FromSeconds(seconds).ToString("c", CultureInfo.InvariantCulture)}\""
            : "if hours were meant write hh:mm:ss, e.g. \"00:01:40\" for 100 seconds";

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = Hosting.Trimming.RootedAssemblies)]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = Hosting.Trimming.RootedAssemblies)]
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
