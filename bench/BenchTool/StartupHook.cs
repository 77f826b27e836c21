using System.Globalization;

/// <summary>
/// Loaded into the .NET proxies by run.sh (<c>DOTNET_STARTUP_HOOKS</c>) to count allocations: every 50 ms it
/// writes the process's total allocated bytes and GC counts to <c>BENCH_ALLOC_FILE</c>, which run.sh reads
/// before and after a load to get bytes allocated per request. Costs one timer tick per 50 ms.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable("BENCH_ALLOC_FILE") is not { Length: > 0 } path)
        {
            return;
        }

        var thread = new Thread(() =>
        {
            var temp = path + ".tmp";
            while (true)
            {
                File.WriteAllText(temp, string.Create(CultureInfo.InvariantCulture,
                    $"{GC.GetTotalAllocatedBytes(precise: false)} {GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)}\n"));
                File.Move(temp, path, overwrite: true);
                Thread.Sleep(50);
            }
        })
        { IsBackground = true, Name = "bench-alloc" };
        thread.Start();
    }
}
