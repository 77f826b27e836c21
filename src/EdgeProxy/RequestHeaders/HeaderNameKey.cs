namespace EdgeProxy.RequestHeaders;

/// <summary>
/// A header name reduced to its lower-case letters and digits: <c>X-Forwarded-For</c>, <c>x_forwarded_for</c>,
/// <c>X.Forwarded.For</c> and <c>X-Forwarded-For\v</c> (Kestrel accepts a vertical tab in a name) are one key.
/// Servers fold names differently (CGI and PHP turn <c>-</c> into <c>_</c>, Apache's http2env any other
/// character), so any spelling one of them could read as a listed header is treated as that header.
/// </summary>
internal static class HeaderNameKey
{
    /// <summary>Longer keys are compared by their first <see cref="MaxLength"/> characters (no listed name comes close).</summary>
    public const int MaxLength = 64;

    /// <summary>Writes the key of <paramref name="name"/> into <paramref name="destination"/> and returns its length.</summary>
    public static int Write(ReadOnlySpan<char> name, Span<char> destination)
    {
        var length = 0;
        foreach (var c in name)
        {
            if (length == destination.Length)
            {
                break;
            }

            if (char.IsAsciiLetterOrDigit(c))
            {
                destination[length++] = char.ToLowerInvariant(c);
            }
        }

        return length;
    }

    public static string Of(string name)
    {
        Span<char> buffer = stackalloc char[MaxLength];
        return new string(buffer[..Write(name, buffer)]);
    }
}
