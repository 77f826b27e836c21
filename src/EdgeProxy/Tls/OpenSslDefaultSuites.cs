using System.Net.Security;
using System.Security.Authentication;

namespace EdgeProxy.Tls;

/// <summary>
/// The TLS 1.2 cipher suites this process's OpenSSL enables when .NET is given no <see cref="CipherSuitesPolicy"/>:
/// openssl.cnf's <c>system_default</c> <c>CipherString</c> when it names one (the <c>openssl.cnf</c> EdgeProxy ships,
/// through <c>OPENSSL_CONF</c>), otherwise .NET's own list, which also has four CBC suites. .NET has no API for that
/// list, so it is read from the ClientHello an <see cref="SslStream"/> writes: client and server contexts start
/// from the same default, and the ClientHello lists all of it whatever the certificate's key type.
/// </summary>
internal static class OpenSslDefaultSuites
{
    private const ushort RenegotiationScsv = 0x00FF;

    /// <summary>The suites offered, in order; empty when the ClientHello could not be read (callers then assume the worst).</summary>
    public static IReadOnlyList<TlsCipherSuite> Tls12()
    {
        var capture = new FirstFlightCapture();
        using (var ssl = new SslStream(capture))
        {
            try
            {
                ssl.AuthenticateAsClient(new SslClientAuthenticationOptions
                {
                    TargetHost = "default-suites.invalid",
                    EnabledSslProtocols = SslProtocols.Tls12,
                    AllowTlsResume = false, // a throwaway context, not one in .NET's cache
                    RemoteCertificateValidationCallback = static (_, _, _, _) => false,
                });
            }
            catch (Exception ex) when (ex is IOException or AuthenticationException or System.Security.Cryptography.CryptographicException or PlatformNotSupportedException)
            {
                // Expected (IOException): the capture answers the ClientHello with end of stream. Anything else leaves
                // the capture empty, and an empty list means "not strict": listeners then keep their own policy.
            }
        }

        return Read(capture.Written);
    }

    /// <summary>The cipher_suites field of the ClientHello in the first TLS record of <paramref name="flight"/>.</summary>
    public static IReadOnlyList<TlsCipherSuite> Read(ReadOnlySpan<byte> flight)
    {
        // record header (5), handshake type + length (4), legacy_version (2), random (32), then the session id
        const int sessionId = 5 + 4 + 2 + 32;
        if (flight.Length <= sessionId || flight[0] != 0x16 || flight[5] != 0x01)
        {
            return [];
        }

        var at = sessionId + 1 + flight[sessionId];
        if (at + 2 > flight.Length)
        {
            return [];
        }

        // A list cut short would be a prefix, and a prefix of a weak default can look strict: nothing, then.
        var length = (flight[at] << 8) | flight[at + 1];
        if (at + 2 + length > flight.Length)
        {
            return [];
        }

        var list = flight.Slice(at + 2, length);
        var suites = new List<TlsCipherSuite>(list.Length / 2);
        for (var i = 0; i + 1 < list.Length; i += 2)
        {
            var suite = (ushort)((list[i] << 8) | list[i + 1]);
            if (suite != RenegotiationScsv)
            {
                suites.Add((TlsCipherSuite)suite);
            }
        }

        return suites;
    }

    /// <summary>Keeps what the client writes and ends the stream when it waits for the server's answer.</summary>
    private sealed class FirstFlightCapture : Stream
    {
        private readonly MemoryStream _written = new();

        public ReadOnlySpan<byte> Written => _written.GetBuffer().AsSpan(0, (int)_written.Length);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => 0;

        public override void Write(byte[] buffer, int offset, int count) => _written.Write(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
