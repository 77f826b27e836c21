namespace EdgeProxy.Streaming;

/// <summary>
/// Follows the bytes of a text/event-stream to know when they end exactly after an event (a blank line),
/// the only place a <c>: keepalive</c> comment can go without changing what the client parses.
/// </summary>
internal struct SseBoundary
{
    private bool _blankLineEnded;
    private bool _lineEmpty;
    private bool _lastWasCr;
    private bool _any;

    /// <summary>True before any byte and right after a blank line. A trailing CR is not yet a boundary: an LF may follow.</summary>
    public readonly bool AtBoundary => (!_any || _blankLineEnded) && !_lastWasCr;

    public void Feed(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            if (!_any)
            {
                _any = true;
                _lineEmpty = true;
            }

            if (b == (byte)'\n' && _lastWasCr)
            {
                _lastWasCr = false; // second half of CRLF: the line already ended at the CR
                continue;
            }

            _lastWasCr = b == (byte)'\r';
            if (b is (byte)'\n' or (byte)'\r')
            {
                _blankLineEnded = _lineEmpty;
                _lineEmpty = true;
            }
            else
            {
                _lineEmpty = false;
                _blankLineEnded = false;
            }
        }
    }
}
