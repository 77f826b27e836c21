using System.Runtime.InteropServices;

namespace EdgeProxy.Hosting;

/// <summary>A glibc function found at run time, for what .NET has no API for; null elsewhere (another OS, or musl).</summary>
internal static class Glibc
{
    public static T? Function<T>(string name) where T : Delegate =>
        OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out var libc) && NativeLibrary.TryGetExport(libc, name, out var address)
            ? Marshal.GetDelegateForFunctionPointer<T>(address)
            : null;
}
