using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace EdgeProxy.Configuration;

/// <summary>
/// The keys an options type binds, read from the type the way <c>ConfigurationBinder</c> reads it: every public
/// settable property (and get-only collections and sections it fills in place), lists, and dictionaries of named
/// entries. A property added to an options type is a known key with nothing else to change.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2067", Justification = Hosting.Trimming.RootedAssemblies)]
[UnconditionalSuppressMessage("Trimming", "IL2070", Justification = Hosting.Trimming.RootedAssemblies)]
[UnconditionalSuppressMessage("Trimming", "IL2075", Justification = Hosting.Trimming.RootedAssemblies)]
internal static class OptionsModel
{
    /// <summary>Returned by a <c>special</c> hook for a property the configuration never sets.</summary>
    public static readonly ConfigNode Skip = new OpenNode();

    private static readonly Type[] ListTypes = [typeof(IEnumerable<>), typeof(IReadOnlyList<>), typeof(IList<>), typeof(List<>), typeof(ICollection<>), typeof(IReadOnlyCollection<>), typeof(ISet<>), typeof(HashSet<>)];
    private static readonly Type[] MapTypes = [typeof(Dictionary<,>), typeof(IDictionary<,>), typeof(IReadOnlyDictionary<,>)];

    /// <param name="type">The options type (or any type the binder fills).</param>
    /// <param name="special">Decides a property's node instead of its type (return <see cref="Skip"/> to leave it out, null for the default).</param>
    public static ConfigNode Of(Type type, Func<PropertyInfo, ConfigNode?>? special = null) => Node(type, special, []);

    public static bool IsValue(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
            || type == typeof(Duration) || type == typeof(DateTimeOffset) || type == typeof(DateTime) || type == typeof(Uri) || type == typeof(Version) || type == typeof(Guid);
    }

    /// <summary>
    /// The element type of a collection that also converts from one string (<c>TlsVersionCollection</c>): the binder fills
    /// it from a list, and its converter reads a single value, so the key takes either.
    /// </summary>
    public static Type? ConvertedList(Type type) => type.IsDefined(typeof(System.ComponentModel.TypeConverterAttribute), inherit: false)
        ? type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICollection<>))?.GetGenericArguments()[0]
        : null;

    private static ConfigNode Node(Type type, Func<PropertyInfo, ConfigNode?>? special, HashSet<Type> seen)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsValue(type))
        {
            return new ValueNode(type); // a flags enum too: the binder reads "A, B", and makes None of a list
        }

        if (ConvertedList(type) is { } element)
        {
            return new ValueNode(element, AcceptsList: true);
        }

        if (type.IsArray)
        {
            return new ListNode(Node(type.GetElementType()!, special, seen));
        }

        if (type.IsGenericType && MapTypes.Contains(type.GetGenericTypeDefinition()) && type.GetGenericArguments()[0] == typeof(string))
        {
            return new MapNode(Node(type.GetGenericArguments()[1], special, seen), "name");
        }

        if (type.IsGenericType && ListTypes.Contains(type.GetGenericTypeDefinition()))
        {
            return new ListNode(Node(type.GetGenericArguments()[0], special, seen));
        }

        if (!seen.Add(type))
        {
            return new OpenNode(); // a type that contains itself: nothing EdgeProxy binds does
        }

        var section = new SectionNode();
        var defaults = type.GetConstructor(Type.EmptyTypes) is not null && !type.IsAbstract ? Activator.CreateInstance(type) : null;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.IsDefined(typeof(ObsoleteAttribute)) || !Bindable(property))
            {
                continue;
            }

            var node = special?.Invoke(property) ?? Node(property.PropertyType, special, seen);
            if (ReferenceEquals(node, Skip))
            {
                continue;
            }

            node = node is ValueNode value && defaults is not null ? value with { Default = property.GetValue(defaults) } : node;
            section.Keys[property.Name] = node with { Source = property, Description = node.Description };
        }

        seen.Remove(type);
        return section;
    }

    /// <summary>What the binder can set: a public setter (init included), or a get-only section or collection it fills in place.</summary>
    private static bool Bindable(PropertyInfo property)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (typeof(Delegate).IsAssignableFrom(type) || type == typeof(Type) || type == typeof(object)
            || (type.IsInterface && !(type.IsGenericType && (ListTypes.Contains(type.GetGenericTypeDefinition()) || MapTypes.Contains(type.GetGenericTypeDefinition())))))
        {
            return false;
        }

        if (property.SetMethod?.IsPublic == true)
        {
            // A section the binder would have to create needs a parameterless constructor (Kestrel's MinDataRate has none).
            return IsValue(type) || type.IsArray || type.IsInterface || type.GetConstructor(Type.EmptyTypes) is not null;
        }

        return property.GetMethod?.IsPublic == true && !IsValue(type);
    }
}
