using EdgeProxy.Configuration;

namespace EdgeProxy.Hosting;

/// <summary>
/// <c>EdgeProxy:Memory</c>: giving memory back to the system once a busy spell is over. Reloaded with the file.
/// </summary>
public sealed class MemoryOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:Memory</c>.</summary>
    public const string SectionName = "EdgeProxy:Memory";

    /// <summary>
    /// How long the proxy must have been idle after a busy spell before it returns memory to the system: it compacts
    /// its managed heap (one full, aggressive collection) and hands the C library's free pages back (glibc's
    /// <c>malloc_trim</c>), so its resident size falls back toward where it started instead of staying at the spell's
    /// peak until the next one. Idle: under 256 KB allocated per second (an idle proxy allocates about 40 KB/s);
    /// busy: 32 MB allocated since the last return (some 6,000 requests). One line is logged each time, with the
    /// resident size before and after. Default <c>30s</c>; <c>0</c> turns it off. Costs one blocking collection per
    /// busy spell, taken while idle: 10-200 ms (174 ms after a 64-connection load, 143 -> 117 MB resident), which a
    /// request arriving in that moment waits out. The same return runs once right after start, for the start's own
    /// garbage (logged at Debug; 8 MB less resident at start in the bench config, 13 MB in the native-AOT build);
    /// <c>0</c> turns that off too.
    /// </summary>
    public Duration ReturnAfterIdle { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether OpenSSL frees a TLS connection's record buffers whenever they are empty, as nginx does
    /// (<c>SSL_MODE_RELEASE_BUFFERS</c>), so an idle keep-alive connection or WebSocket holds none: ~9 KB less resident
    /// per idle keep-alive connection, ~15 KB per idle WebSocket in the bench (71 -> 56 KB). Set on each connection
    /// after its handshake, through .NET's private handle of it: where that is not what it was built for (another .NET
    /// version or OS), it stays off with one line in the log. Default <c>true</c>; <c>false</c> keeps the buffers for
    /// the connection's life (.NET's behaviour). Applies to connections accepted after a reload.
    /// </summary>
    public bool ReleaseTlsBuffers { get; set; } = true;
}
