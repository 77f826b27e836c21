using System.Globalization;

namespace EdgeProxy.Hosting;

/// <summary>
/// How long an idle thread-pool worker spins before it sleeps: at most <see cref="Shipped"/> rounds instead of the
/// runtime's 70 (<c>System.Threading.ThreadPool.UnfairSemaphoreSpinLimit</c> in EdgeProxy.runtimeconfig.json, from
/// the project file). Past its first ten rounds a spinning worker starts calling <c>sched_yield</c>; under a load of
/// new TLS connections a quarter of EdgeProxy's CPU went there (<c>perf</c>, bench/README.md), time a CPU-limited
/// container pays from its quota. Medians, spin 16 against 70: CPU per full handshake −7 % (two ad-hoc A/Bs and three
/// bench runs, one of them the other way), per HTTP/2 request −4 % (three of four runs), per HTTP/1.1 request −2 % (two
/// of four).
/// None (0) was worse for handshakes: every hand-off then wakes a sleeping worker with a system call. The runtime reads
/// <c>DOTNET_ThreadPool_UnfairSemaphoreSpinLimit</c> (hexadecimal, as every <c>DOTNET_</c> number) before the file.
/// </summary>
internal static class WorkerSpin
{
    public const string Setting = "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit";
    public const string Variable = "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit";
    public const int Shipped = 16;

    /// <summary>The runtime's own default, without the project's setting.</summary>
    public const int RuntimeDefault = 70;

    /// <summary>
    /// The limit the thread pool runs with, read as the runtime reads it (AppContextConfigHelper): the variable
    /// (<c>DOTNET_</c> or <c>COMPlus_</c>, hexadecimal, optional <c>0x</c>) when it parses, else the runtimeconfig value.
    /// </summary>
    public static int Current
    {
        get
        {
            var text = Environment.GetEnvironmentVariable(Variable) ?? Environment.GetEnvironmentVariable("COMPlus_" + Variable["DOTNET_".Length..]);
            if (text is not null && uint.TryParse(text.StartsWith("0x", StringComparison.Ordinal) ? text[2..] : text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var fromVariable) && (int)fromVariable >= 0)
            {
                return (int)fromVariable;
            }

            return AppContext.GetData(Setting) switch
            {
                uint value when (int)value >= 0 => (int)value,
                int value when value >= 0 => value,
                string value when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) => parsed,
                _ => RuntimeDefault,
            };
        }
    }
}
