using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Authentication;
using EdgeProxy.Hosting;
using EdgeProxy.Tests.ClientCertificates.Revocation;
using EdgeProxy.Tests.Infrastructure;
using EdgeProxy.Tls;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace EdgeProxy.Tests.Tls;

/// <summary>
/// <see cref="IdleTlsBuffers"/> on real <see cref="SslStream"/>s over loopback TCP: after a handshake the mode OpenSSL
/// reports for the server's connection has <c>SSL_MODE_RELEASE_BUFFERS</c>, a stream it was not applied to has not, and
/// records of every size still cross both ways intact while the buffers come and go between them. What it saves through
/// the proxy is in <see cref="IdleTlsBuffersProcessTests"/>.
/// </summary>
public sealed class IdleTlsBuffersTests(ITestOutputHelper output) : IDisposable
{
    private const long ReleaseBuffers = 0x10;
    private readonly RecordingLoggerFactory _logs = new(output);

    public void Dispose() => _logs.Dispose();

    [Theory]
    [InlineData(SslProtocols.Tls13)]
    [InlineData(SslProtocols.Tls12)]
    public async Task AfterTheHandshake_OpenSslReportsTheMode_AndRecordsStillCrossBothWaysIntact(SslProtocols protocol)
    {
        await using var pair = await TlsPair.ConnectAsync(protocol);
        var buffers = Create();

        buffers.Release(pair.Server).Should().BeTrue();

        (Mode(pair.Server) & ReleaseBuffers).Should().Be(ReleaseBuffers, "OpenSSL's own view of the server's connection");
        (Mode(pair.Client) & ReleaseBuffers).Should().Be(0, "a connection it was not applied to keeps .NET's mode");

        // Sizes around one record (16 KB) and a few bytes, with quiet moments in between, when the buffers are freed.
        var random = new Random(24);
        foreach (var size in new[] { 1, 17, 1_000, 16_383, 16_384, 16_385, 40_000, 3, 100_000, 5 })
        {
            var sent = new byte[size];
            random.NextBytes(sent);
            await pair.Client.WriteAsync(sent);
            (await ReadExactlyAsync(pair.Server, size)).Should().Equal(sent, $"{size} bytes client to server");

            random.NextBytes(sent);
            await pair.Server.WriteAsync(sent);
            (await ReadExactlyAsync(pair.Client, size)).Should().Equal(sent, $"{size} bytes server to client");
            await Task.Delay(5);
        }

        _logs.Entries.Should().ContainSingle().Which.Message.Should().Contain("release OpenSSL's record buffers");
    }

    [Fact]
    public async Task ManyConnections_AreEachSet_AndTheLineIsLoggedOnce()
    {
        var buffers = Create();
        for (var i = 0; i < 3; i++)
        {
            await using var pair = await TlsPair.ConnectAsync(i % 2 == 0 ? SslProtocols.Tls13 : SslProtocols.Tls12);
            buffers.Release(pair.Server).Should().BeTrue();
            (Mode(pair.Server) & ReleaseBuffers).Should().Be(ReleaseBuffers);
        }

        _logs.Entries.Should().ContainSingle();
    }

    [Fact]
    public async Task AStreamWhoseHandshakeNeverRan_IsLeftAlone_AndDoesNotTurnItOff()
    {
        var buffers = Create();
        await using (var unused = new SslStream(new MemoryStream()))
        {
            buffers.Release(unused).Should().BeFalse("there is no OpenSSL connection yet");
        }

        await using var pair = await TlsPair.ConnectAsync(SslProtocols.Tls13);
        buffers.Release(pair.Server).Should().BeTrue("one stream without a handshake does not turn it off for the rest");
        _logs.Entries.Should().ContainSingle().Which.Level.Should().Be(LogLevel.Debug);
    }

    private IdleTlsBuffers Create()
    {
        var services = new ServiceCollection().AddOptions<MemoryOptions>().Services.BuildServiceProvider();
        return new IdleTlsBuffers(services.GetRequiredService<IOptionsMonitor<MemoryOptions>>(), _logs.CreateLogger<IdleTlsBuffers>());
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return buffer;
    }

    /// <summary>The mode OpenSSL holds for the stream's connection, read from libssl directly.</summary>
    private static long Mode(SslStream stream)
    {
        var handle = (SafeHandle)typeof(SslStream).GetField("_securityContext", BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(stream)!;
        return SSL_ctrl(handle.DangerousGetHandle(), 33 /* SSL_CTRL_MODE: ORs 0, returns the mode */, 0, 0);
    }

    [DllImport("libssl.so.3")]
    private static extern long SSL_ctrl(nint ssl, int command, long argument, nint pointer);

    private sealed class TlsPair : IAsyncDisposable
    {
        private readonly TcpListener _listener;
        private readonly TcpClient _client;
        private readonly TcpClient _accepted;

        private TlsPair(TcpListener listener, TcpClient client, TcpClient accepted, SslStream server, SslStream clientStream) =>
            (_listener, _client, _accepted, Server, Client) = (listener, client, accepted, server, clientStream);

        public SslStream Server { get; }

        public SslStream Client { get; }

        public static async Task<TlsPair> ConnectAsync(SslProtocols protocol)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
            var accepted = await listener.AcceptTcpClientAsync();
            var certificate = TestPki.Instance.IssueServer("idle-buffers", ["localhost"]);
            var server = new SslStream(accepted.GetStream());
            var clientStream = new SslStream(client.GetStream(), false, (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString());
            await Task.WhenAll(
                server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    EnabledSslProtocols = protocol,
                }),
                clientStream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = protocol }))
                .WaitAsync(TimeSpan.FromSeconds(10));
            server.SslProtocol.Should().Be(protocol);
            return new TlsPair(listener, client, accepted, server, clientStream);
        }

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Server.DisposeAsync();
            _client.Dispose();
            _accepted.Dispose();
            _listener.Stop();
        }
    }
}
