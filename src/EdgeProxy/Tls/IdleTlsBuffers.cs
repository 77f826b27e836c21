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
/// bench: 71 -> 56 KB). .NET has no API for the mode and OpenSSL's configuration file cannot set it, so this runs after
/// each handshake, before Kestrel reads a byte of HTTP, on the <c>SSL*</c> that .NET's <see cref="SslStream"/> keeps
/// in a private field: only when the object there is the type it was measured with (<c>SafeSslHandle</c>, .NET 10 on
/// Linux), the one libssl in the process is libssl.so.3, and the first connection's protocol read from OpenSSL
/// matches the one .NET negotiated. Anything else turns it off for the process with one line in the log; no
/// connection fails. <c>EdgeProxy:Memory:ReleaseTlsBuffers: false</c> turns it off.
/// </summary>
internal sealed partial class IdleTlsBuffers(IOptionsMonitor<MemoryOptions> options, ILogger<IdleTlsBuffers> logger)
{
    private const int SslCtrlMode = 33; // SSL_CTRL_MODE: SSL_set_mode ORs its argument into the mode and returns it
    private const nint SslModeReleaseBuffers = 0x10;
    private const string HandleTypeName = "Microsoft.Win32.SafeHandles.SafeSslHandle";

    // Reflection: an UnsafeAccessor for this field (its type, SafeDeleteSslContext, is internal) was refused at run time
    // on .NET 10 ("Invalid usage of UnsafeAccessorTypeAttribute"). Written with typeof and a literal name, the trimmer
    // and the AOT compiler keep the field.
    private static readonly FieldInfo? SecurityContextField = typeof(SslStream).GetField("_securityContext", BindingFlags.Instance | BindingFlags.NonPublic);
    private static readonly Lazy<bool> Loaded = new(OpenSsl.IsTheOneLoaded);
    private int _state; // 0 untried, 1 working, 2 off for this process

    public ConnectionDelegate Create(ConnectionDelegate next) => connection =>
    {
        if (_state != 2 && options.CurrentValue.ReleaseTlsBuffers && connection.Features.Find<ISslStreamFeature>() is { } tls)
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

        if (!Loaded.Value)
        {
            TurnOff("the OpenSSL library .NET loaded is not the one libssl.so.3");
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
            if (_state == 0 && !OpenSsl.Matches(pointer, stream.SslProtocol))
            {
                TurnOff($"OpenSSL reports protocol 0x{OpenSsl.SSL_version(pointer):x} where .NET negotiated {stream.SslProtocol}");
                return false;
            }

            var mode = OpenSsl.SSL_ctrl(pointer, SslCtrlMode, SslModeReleaseBuffers, 0);
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

    /// <summary>
    /// libssl.so.3, called only when it is the one libssl this process has mapped (the one .NET loaded): on a system
    /// where .NET loaded another version, loading this one beside it and handing it .NET's connection would corrupt it.
    /// </summary>
    private static class OpenSsl
    {
        private const string Library = "libssl.so.3";

        public static bool IsTheOneLoaded()
        {
            if (!OperatingSystem.IsLinux())
            {
                return false;
            }

            string? found = null;
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                var slash = line.IndexOf('/');
                if (slash < 0 || !Path.GetFileName(line.AsSpan(slash)).StartsWith("libssl.so", StringComparison.Ordinal))
                {
                    continue;
                }

                if (found is not null && !line.AsSpan(slash).SequenceEqual(found))
                {
                    return false; // two different libssl files
                }

                found = line[slash..];
            }

            return found is not null && Path.GetFileName(found) == Library;
        }

        public static bool Matches(nint ssl, System.Security.Authentication.SslProtocols negotiated) => (SSL_version(ssl), negotiated) switch
        {
            (0x0304, System.Security.Authentication.SslProtocols.Tls13) => true,
            (0x0303, System.Security.Authentication.SslProtocols.Tls12) => true,
            _ => false,
        };

        [DllImport(Library)]
        public static extern int SSL_version(nint ssl);

        [DllImport(Library)]
        public static extern nint SSL_ctrl(nint ssl, int command, nint argument, nint pointer);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.IdleTlsBuffers, LogLevel.Debug, "Idle TLS connections release OpenSSL's record buffers (SSL_MODE_RELEASE_BUFFERS; mode now 0x{Mode:x})")]
        public static partial void Working(ILogger logger, long mode);

        [LoggerMessage(EventIds.IdleTlsBuffersOff, LogLevel.Information, "Idle TLS connections keep OpenSSL's record buffers: {Reason}")]
        public static partial void Off(ILogger logger, string reason);
    }
}
