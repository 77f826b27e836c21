using System.Buffers;
using System.Collections.Frozen;

namespace EdgeProxy.RequestHeaders;

/// <summary>
/// The strip list as one immutable lookup: <see cref="KnownRequestHeaders"/>, the operator's
/// <c>EdgeProxy:RequestHeaders</c> names and the client-certificate header renames, keyed by
/// <see cref="HeaderNameKey"/>. An exact name wins over a prefix, a longer prefix over a shorter one. A
/// <c>Grpc-Metadata-</c> copy of a listed name is that name (grpc-gateway turns <c>Grpc-Metadata-X</c> into gRPC
/// metadata <c>X</c>), removed from every peer. A name accepted from trusted peers is kept only as spelled in the
/// options (case aside): a front end sets its own spelling and passes a client's <c>x_goog_...</c> on, which CGI,
/// PHP and WSGI then read as the same variable.
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

    private const string GrpcMetadataKey = "grpcmetadata";

    private readonly FrozenSet<string> _acceptedNames;
    private readonly string[] _acceptedPrefixes;

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

        // Grpc-Metadata-<listed name>: any name longer than the marker may be one.
        Possible(GrpcMetadataKey) |= ulong.MaxValue << (GrpcMetadataKey.Length + 1);

        var accepted = acceptFromTrustedProxies.Select(n => n.Trim()).Where(n => n.Length > 0).ToList();
        _acceptedNames = accepted.Where(n => !n.EndsWith('*')).ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        _acceptedPrefixes = [.. accepted.Where(n => n.EndsWith('*')).Select(n => n.TrimEnd('*'))];

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

        return TryClassifyKey(key, out rule);
    }

    /// <summary>
    /// True when <paramref name="name"/> is spelled as a name under <c>AcceptFromTrustedProxies</c> (case-insensitive;
    /// a prefix's tail in letters, digits and dashes): the only spelling a trusted peer's header is kept in.
    /// </summary>
    public bool IsAcceptedSpelling(string name)
    {
        if (_acceptedNames.Contains(name))
        {
            return true;
        }

        foreach (var prefix in _acceptedPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && !name.AsSpan(prefix.Length).ContainsAnyExcept(LettersDigitsDash))
            {
                return true;
            }
        }

        return false;
    }

    private bool TryClassifyKey(ReadOnlySpan<char> key, out HeaderRule rule)
    {
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

        // The same lookup for what follows the marker; nothing lets such a copy through, not even a trusted peer.
        if (key.Length > GrpcMetadataKey.Length && key.StartsWith(GrpcMetadataKey, StringComparison.Ordinal)
            && TryClassifyKey(key[GrpcMetadataKey.Length..], out var inner))
        {
            rule = inner with { Action = HeaderAction.Strip };
            return true;
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
