namespace EdgeProxy.Observability;

/// <summary>
/// The UTF-8 each access-log field's value had in the line before, kept by the console's writer
/// (<see cref="BatchedConsoleSink"/>). Route, cluster, destination, listener, TLS protocol, method, scheme, protocol and
/// the client's address come from line to line as the very same string objects (configuration, constants, the
/// connection's); a value that is the same object as last time is copied from here instead of being scanned for
/// escaping and encoded again. A string never changes, so the same object always has the same bytes; a different
/// object is encoded, whatever its text. For one thread.
/// </summary>
internal sealed class RepeatedValues
{
    /// <summary>A field whose value is new in every line (the path): not kept.</summary>
    public const int None = -1;

    public const int ClientIp = 0;
    public const int Method = 1;
    public const int Scheme = 2;
    public const int Host = 3;
    public const int Protocol = 4;
    public const int RouteId = 5;
    public const int ClusterId = 6;
    public const int Destination = 7;
    public const int TlsProtocol = 8;
    public const int Listener = 9;
    public const int ClientCertSubject = 10;
    public const int RateLimitPolicy = 11;

    /// <summary>A value longer than this in UTF-8 is written each time, not kept.</summary>
    public const int MaxBytes = 256;

    private const int Fields = 12;

    private readonly string?[] _values = new string?[Fields];
    private readonly bool[] _json = new bool[Fields];
    private readonly byte[][] _bytes = Enumerable.Range(0, Fields).Select(_ => new byte[MaxBytes]).ToArray();
    private readonly int[] _lengths = new int[Fields];

    /// <summary>The bytes kept for <paramref name="value"/> in <paramref name="field"/>, if it is the object kept there, for the same format.</summary>
    public bool TryGet(int field, string value, bool json, out ReadOnlySpan<byte> bytes)
    {
        if ((uint)field < Fields && ReferenceEquals(_values[field], value) && _json[field] == json)
        {
            bytes = _bytes[field].AsSpan(0, _lengths[field]);
            return true;
        }

        bytes = default;
        return false;
    }

    /// <summary>Keeps what <paramref name="value"/> was written as in <paramref name="field"/>.</summary>
    public void Remember(int field, string value, bool json, ReadOnlySpan<byte> bytes)
    {
        if ((uint)field >= Fields)
        {
            return;
        }

        if (bytes.Length > MaxBytes)
        {
            _values[field] = null;
            return;
        }

        bytes.CopyTo(_bytes[field]);
        _lengths[field] = bytes.Length;
        _json[field] = json;
        _values[field] = value;
    }
}
