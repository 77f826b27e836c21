using Microsoft.Extensions.Primitives;

namespace EdgeProxy.ForwardedHeaders;

/// <summary>
/// Comma-separated entries of a header, possibly spread over several lines, from the rightmost (the one
/// the nearest hop wrote) to the leftmost, trimmed, without allocating. Empty entries are yielded too:
/// a forwarded list with a hole in it is malformed, and the caller decides what that means.
/// <paramref name="lastDelimiter"/> finds the comma that ends an entry (RFC 7239 <c>Forwarded</c> skips commas
/// inside quoted strings: <see cref="ForwardedElements.FromRight"/>); by default, the last comma.
/// </summary>
internal ref struct EntriesFromRight(StringValues values, Func<ReadOnlySpan<char>, int>? lastDelimiter = null)
{
    private readonly StringValues _values = values;
    private readonly Func<ReadOnlySpan<char>, int>? _lastDelimiter = lastDelimiter;
    private int _line = values.Count;
    private int _end = -1; // -1: start the current line from its end
    private ReadOnlySpan<char> _current;

    public readonly ReadOnlySpan<char> Current => _current;

    public readonly EntriesFromRight GetEnumerator() => this;

    public bool MoveNext()
    {
        while (true)
        {
            if (_end < 0)
            {
                if (--_line < 0)
                {
                    return false;
                }

                _end = (_values[_line] ?? string.Empty).Length;
                if (_end == 0)
                {
                    _end = -1;
                    continue;
                }
            }

            var text = (_values[_line] ?? string.Empty).AsSpan(0, _end);
            var comma = _lastDelimiter is null ? text.LastIndexOf(',') : _lastDelimiter(text);
            _current = text[(comma + 1)..].Trim(" \t");
            _end = comma < 0 ? -1 : comma; // 0 after a leading comma: the empty entry left of it comes next

            return true;
        }
    }
}
