namespace EdgeProxy.Streaming;

/// <summary>
/// Bytes each way and the time to the first byte, for the end-of-stream log line and metrics. A mutable struct kept
/// in a field of its <see cref="StreamSession"/> (never copied): counting allocates nothing per request.
/// </summary>
internal struct ExchangeCounters
{
    private long _bytesFromClient;
    private long _bytesToClient;
    private long _firstByteToClient;

    public long BytesFromClient => Interlocked.Read(ref _bytesFromClient);

    public long BytesToClient => Interlocked.Read(ref _bytesToClient);

    /// <summary>When the first byte went to the client (<see cref="ExchangeClock.Now"/> ms), or 0.</summary>
    public long FirstByteToClient => Volatile.Read(ref _firstByteToClient);

    public void Received(int count) => Interlocked.Add(ref _bytesFromClient, count);

    public void Sent(int count, long now)
    {
        if (count > 0 && Volatile.Read(ref _firstByteToClient) == 0)
        {
            Interlocked.CompareExchange(ref _firstByteToClient, now, 0);
        }

        Interlocked.Add(ref _bytesToClient, count);
    }
}
