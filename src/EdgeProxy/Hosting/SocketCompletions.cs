namespace EdgeProxy.Hosting;

/// <summary>
/// Socket completions run on the runtime's I/O (epoll) threads instead of being queued to the thread pool:
/// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>, read once by the runtime's socket engine, which then also
/// runs one I/O thread per core. Kestrel still hands request processing to the thread pool (its own
/// <c>UnsafePreferInlineScheduling</c> stays off); what runs inline is the short step after each read or write, for
/// Kestrel's connections and the upstream client's alike (an upstream TLS handshake's certificate check included). A
/// proxy does little work in that step, so the hand-off costs more than it buys: −9 % CPU per request, the median of
/// five interleaved runs, two of them the other way (bench/README.md, <i>What was tried</i>). Nothing may block there:
/// a blocked step stalls every connection of that thread (why <see cref="Tls.OutboundTls"/> never downloads a
/// certificate; <c>InlineCompletionsStallTests</c>). EdgeProxy sets it unless the environment already says either way
/// (<c>0</c> turns it off), so the bare run and the container are one configuration.
/// </summary>
internal static class SocketCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Whether the variable is 1 in this process, as the runtime reads it.</summary>
    public static bool Inline => Environment.GetEnvironmentVariable(Variable) == "1";

    /// <summary>Sets the variable to 1 when it is unset. Call before the process opens its first socket: the runtime reads it once.</summary>
    public static void InlineUnlessSet()
    {
        // The runtime reads it through Environment.GetEnvironmentVariable, which sees this process's own change.
        if (Environment.GetEnvironmentVariable(Variable) is null)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }
    }
}
