using System.Text;

namespace EdgeProxy.Framing;

/// <summary>
/// How Kestrel is made to read <c>Content-Length</c> as RFC 9110 writes it (<c>1*DIGIT</c>). Kestrel's own parser
/// accepts a sign (<c>+5</c>, <c>-0</c>): a front end that refuses or ignores such a value and EdgeProxy would then
/// disagree on where the body ends. When a header has a custom encoding, Kestrel decodes the value with it and
/// parses the characters as an integer; this encoding turns every byte that is not a digit into <c>?</c>, so any
/// sign, space inside the value or other character fails that parse and Kestrel answers 400 itself.
/// </summary>
internal sealed class DigitsOnlyEncoding : Encoding
{
    public static readonly DigitsOnlyEncoding Instance = new();

    public override int GetByteCount(char[] chars, int index, int count) => count;

    public override int GetBytes(char[] chars, int charIndex, int charCount, byte[] bytes, int byteIndex)
    {
        for (var i = 0; i < charCount; i++)
        {
            bytes[byteIndex + i] = (byte)(char.IsAsciiDigit(chars[charIndex + i]) ? chars[charIndex + i] : '?');
        }

        return charCount;
    }

    public override int GetCharCount(byte[] bytes, int index, int count) => count;

    public override int GetChars(byte[] bytes, int byteIndex, int byteCount, char[] chars, int charIndex) =>
        GetChars(bytes.AsSpan(byteIndex, byteCount), chars.AsSpan(charIndex));

    /// <summary>Kestrel decodes into a buffer of 20 characters: a longer value is cut there, and 20 digits are too many for it.</summary>
    public override int GetChars(ReadOnlySpan<byte> bytes, Span<char> chars)
    {
        var count = Math.Min(bytes.Length, chars.Length);
        for (var i = 0; i < count; i++)
        {
            chars[i] = char.IsAsciiDigit((char)bytes[i]) ? (char)bytes[i] : '?';
        }

        return count;
    }

    public override int GetMaxByteCount(int charCount) => charCount;

    public override int GetMaxCharCount(int byteCount) => byteCount;
}
