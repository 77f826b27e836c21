using System.Buffers;
using System.Collections.Frozen;

namespace EdgeProxy.RequestHeaders;

/// <summary>
/// The strip list as one immutable lookup: <see cref="KnownRequestHeaders"/>, the operator's
/// <c>EdgeProxy:RequestHeaders</c> names and the client-certificate header renames, keyed by
/// <see cref="HeaderNameKey"/>. An exact name wins over a prefix, a longer prefix over a shorter one.
/// </summary>
internal sealed class StripRules
{
    private static readonly SearchValues<char> LettersDigitsDash = SearchValues.Create("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private readonly FrozenDictionary<string, HeaderRule> _exact;
    private readonly FrozenDictionary<string, HeaderRule>.AlternateLookup<ReadOnlySpan<char>> _exactBySpan;

    // Prefixes by their key's first character, longest first, so a header is compared with a handful at most.
    private readonly (string Key, HeaderRule Rule)[][] _prefixes = new (string, HeaderRule)[128][];

    // Key lengths any rule could match, by the key's first two characters: most request headers (Accept, Cookie,
    // Sec-Fetch-Mode ...) are ruled out from their spelling alone, without building their key. Bit 63 stands for 63 and longer.
    private readonly ulong[] _lengths = new ulong[36 * 36];

    public StripRules(IEnumerable<string> strip, IEnumerable<string> acceptFromTrustedProxies, IEnumerable<string> certificateRenames)
    {
        var exact = new Dictionary<string, HeaderRule>(StringComparer.Ordinal);
        var prefixes = new Dictionary<string, HeaderRule>(StringComparer.Ordinal);
        void Add(string name, HeaderRule rule)
        {
            var key = HeaderNameKey.Of(name);
            if (key.Length > 0)
            {
                (name.EndsWith('*') ? prefixes : exact)[key] = rule;
            }
        }

        foreach (var known in KnownRequestHeaders.All)
        {
            Add(known.Name, new HeaderRule(known.Family, known.Family == HeaderFamily.MethodOverride ? HeaderAction.MethodOverride : HeaderAction.Strip));
        }

        foreach (var name in certificateRenames)
        {
            Add(name, new HeaderRule(HeaderFamily.Certificate, HeaderAction.Strip));
        }

        foreach (var name in acceptFromTrustedProxies)
        {
            Add(name, new HeaderRule(Family(name), HeaderAction.StripUnlessTrusted));
        }

        foreach (var name in strip)
        {
            Add(name, new HeaderRule(Family(name), HeaderAction.Strip));
        }

        foreach (var owned in KnownRequestHeaders.Owned)
        {
            Add(owned, new HeaderRule(Family(owned), HeaderAction.Strip)); // whatever a list above said
        }

        foreach (var key in exact.Keys)
        {
            Possible(key) |= key.Length >= 2 ? 1UL << Math.Min(key.Length, 63) : 0;
        }

        foreach (var key in prefixes.Keys)
        {
            Possible(key) |= key.Length >= 2 ? ulong.MaxValue << Math.Min(key.Length, 63) : 0;
        }

        _exact = exact.ToFrozenDictionary(StringComparer.Ordinal);
        _exactBySpan = _exact.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var group in prefixes.GroupBy(p => p.Key[0]))
        {
            _prefixes[group.Key] = [.. group.OrderByDescending(p => p.Key.Length).Select(p => (p.Key, p.Value))];
        }
    }

    /// <summary>The rule for <paramref name="name"/>, or false when the header is not on the list.</summary>
    public bool TryClassify(string name, out HeaderRule rule)
    {
        rule = default;
        if (RuledOut(name))
        {
            return false;
        }

        Span<char> buffer = stackalloc char[HeaderNameKey.MaxLength];
        var key = buffer[..HeaderNameKey.Write(name, buffer)];
        if (key.IsEmpty)
        {
            return false;
        }

        if (_exactBySpan.TryGetValue(key, out rule))
        {
            return true;
        }

        foreach (var (prefix, prefixRule) in _prefixes[key[0]] ?? [])
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                rule = prefixRule;
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when no rule can match a name spelled with letters, digits and dashes only, judged by the first two
    /// letters or digits and the key's length. Other spellings (<c>_</c>, <c>.</c>, stray characters) take the full path.
    /// </summary>
    private bool RuledOut(string name)
    {
        var span = name.AsSpan();
        if (span.IndexOfAnyExcept(LettersDigitsDash) >= 0)
        {
            return false;
        }

        var start = span.IndexOfAnyExcept('-');
        if (start < 0 || start + 1 >= span.Length || span[start + 1] == '-')
        {
            return false;
        }

        var length = Math.Min(span.Length - span.Count('-'), 63);
        return (_lengths[(Index(span[start]) * 36) + Index(span[start + 1])] & (1UL << length)) == 0;
    }

    private ref ulong Possible(string key) => ref _lengths[(Index(key[0]) * 36) + Index(key[1])];

    private static int Index(char c) => char.IsAsciiDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;

    /// <summary>The family the built-in list gives <paramref name="name"/> (Identity for names it does not know).</summary>
    public static HeaderFamily Family(string name)
    {
        var key = HeaderNameKey.Of(name.TrimEnd('*'));
        var best = KnownRequestHeaders.All
            .Where(k => k.IsPrefix ? key.StartsWith(k.Key, StringComparison.Ordinal) : !name.EndsWith('*') && key == k.Key)
            .OrderByDescending(k => k.IsPrefix ? k.Key.Length : int.MaxValue)
            .FirstOrDefault();
        return best?.Family ?? HeaderFamily.Identity;
    }
}
