using System.Globalization;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>A process's resident set size, as the kernel reports it (<c>VmRSS</c> in <c>/proc/PID/status</c>).</summary>
public static class ResidentMemory
{
    public static long Bytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
