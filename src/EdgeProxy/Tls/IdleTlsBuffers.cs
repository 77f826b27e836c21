using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;
using EdgeProxy.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Options;

namespace EdgeProxy.Tls;

/// <summary>
/// Has OpenSSL free a TLS connection's record buffers whenever they are empty, as nginx does
/// (<c>SSL_MODE_RELEASE_BUFFERS</c>): an idle keep-alive connection or WebSocket then holds none, where it kept them
/// for its whole life before (~9 KB less resident per idle keep-alive connection, ~15 KB per idle WebSocket in the
/// bench: 71 -> 56 KB). .NET has no API for
/// the mode and OpenSSL's configuration file cannot set it, so this runs after each handshake, before Kestrel reads a
/// byte of HTTP, on the <c>SSL*</c> that .NET's <see cref="SslStream"/> keeps: read from its
/// private field, and only when the object there is the type it was measured with
/// (<c>SafeSslHandle</c>, .NET 10 on Linux) and the first connection's protocol read from OpenSSL matches the one
/// .NET negotiated. Anything else (another OS or runtime version, several OpenSSL libraries loaded) turns it off for
/// the process with one line in the log; nothing fails. <c>EdgeProxy:Memory:ReleaseTlsBuffers: false</c> turns it off.
/// </summary>
internal sealed partial class IdleTlsBuffers(IOptionsMonitor<MemoryOptions> options, ILogger<IdleTlsBuffers> logger)
{
    private const int SslCtrlMode = 33; // SSL_CTRL_MODE: SSL_set_mode ORs its argument into the mode and returns it
    private const nint SslModeReleaseBuffers = 0x10;
    private const string HandleTypeName = "Microsoft.Win32.SafeHandles.SafeSslHandle";

    private static readonly Lazy<OpenSsl?> Library = new(OpenSsl.Find);
    private int _state; // 0 untried, 1 working, 2 off for this process

    public ConnectionDelegate Create(ConnectionDelegate next) => connection =>
    {
        if (_state != 2 && options.CurrentValue.ReleaseTlsBuffers && connection.Features.Get<ISslStreamFeature>() is { } tls)
        {
            try
            {
                Release(tls.SslStream);
            }
            catch (Exception e)
            {
                TurnOff($"{e.GetType().Name}: {e.Message}"); // never the connection's problem
            }
        }

        return next(connection);
    };

    /// <summary>Sets the mode on the stream's connection; true when it is set.</summary>
    public bool Release(SslStream stream)
    {
        if (_state == 2)
        {
            return false;
        }

        if (Library.Value is not { } ssl)
        {
            TurnOff("no single OpenSSL library (libssl) is loaded in this process");
            return false;
        }

        if (SecurityContextField is null)
        {
            TurnOff("this .NET's SslStream has no _securityContext field");
            return false;
        }

        var handle = SecurityContextField.GetValue(stream) as SafeHandle;

        if (handle is null || handle.IsInvalid || handle.IsClosed)
        {
            return false; // a connection closed during its handshake: nothing to do
        }

        if (handle.GetType().FullName != HandleTypeName)
        {
            TurnOff($"the connection's handle is a {handle.GetType().FullName}, not the {HandleTypeName} it was measured with");
            return false;
        }

        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            var pointer = handle.DangerousGetHandle();
            if (_state == 0 && !ssl.Matches(pointer, stream.SslProtocol))
            {
                TurnOff($"OpenSSL reports protocol 0x{ssl.Version(pointer):x} where .NET negotiated {stream.SslProtocol}");
                return false;
            }

            var mode = ssl.SetMode(pointer, SslModeReleaseBuffers);
            if (_state == 0 && Interlocked.CompareExchange(ref _state, 1, 0) == 0)
            {
                Log.Working(logger, (long)mode);
            }

            return (mode & SslModeReleaseBuffers) != 0;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private void TurnOff(string reason)
    {
        if (Interlocked.Exchange(ref _state, 2) != 2)
        {
            Log.Off(logger, reason);
        }
    }

    // .NET 10's UnsafeAccessor cannot name a field of a type the caller cannot see (SafeDeleteSslContext is internal).
    // Written with typeof and a literal name, the trimmer and the AOT compiler keep the field.
    private static readonly FieldInfo? SecurityContextField = typeof(SslStream).GetField("_securityContext", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>The libssl this process has loaded (the one .NET loaded), and the two functions used from it.</summary>
    private sealed class OpenSsl(OpenSsl.Ctrl ctrl, OpenSsl.GetVersion version)
    {
        public delegate nint Ctrl(nint ssl, int command, nint argument, nint pointer);

        public delegate int GetVersion(nint ssl);

        public static OpenSsl? Find()
        {
            if (!OperatingSystem.IsLinux())
            {
                return null;
            }

            // .NET loads libssl itself (libssl.so.3, or an older one on an older system). Loading the file it has
            // mapped by its path hands back the same library; a second, different libssl would be someone else's.
            var paths = File.ReadLines("/proc/self/maps")
                .Select(line => line.IndexOf('/') is var slash and >= 0 ? line[slash..] : null)
                .Where(path => path is not null && Path.GetFileName(path).StartsWith("libssl.so", StringComparison.Ordinal))
                .Distinct(StringComparer.Ordinal)
                .ToList();
            if (paths.Count != 1 || !NativeLibrary.TryLoad(paths[0]!, out var library)
                || !NativeLibrary.TryGetExport(library, "SSL_ctrl", out var ctrl)
                || !NativeLibrary.TryGetExport(library, "SSL_version", out var version))
            {
                return null;
            }

            return new OpenSsl(Marshal.GetDelegateForFunctionPointer<Ctrl>(ctrl), Marshal.GetDelegateForFunctionPointer<GetVersion>(version));
        }

        public int Version(nint ssl) => version(ssl);

        public bool Matches(nint ssl, System.Security.Authentication.SslProtocols negotiated) => (Version(ssl), negotiated) switch
        {
            (0x0304, System.Security.Authentication.SslProtocols.Tls13) => true,
            (0x0303, System.Security.Authentication.SslProtocols.Tls12) => true,
            _ => false,
        };

        public nint SetMode(nint ssl, nint mode) => ctrl(ssl, SslCtrlMode, mode, 0);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.IdleTlsBuffers, LogLevel.Debug, "Idle TLS connections release OpenSSL's record buffers (SSL_MODE_RELEASE_BUFFERS; mode now 0x{Mode:x})")]
        public static partial void Working(ILogger logger, long mode);

        [LoggerMessage(EventIds.IdleTlsBuffersOff, LogLevel.Information, "Idle TLS connections keep OpenSSL's record buffers: {Reason}")]
        public static partial void Off(ILogger logger, string reason);
    }
}
