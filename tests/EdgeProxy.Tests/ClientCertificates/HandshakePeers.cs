using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.ClientCertificates;

/// <summary>Runs one request through each <see cref="HandshakePeer"/>, on a new connection every time.</summary>
public static partial class HandshakePeers
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>One GET of <paramref name="path"/> on a new connection to 127.0.0.1:<paramref name="port"/> with SNI and Host <paramref name="host"/>.</summary>
    public static Task<PeerOutcome> GetAsync(HandshakePeer peer, int port, string host, string path, ClientCertificate? certificate) => peer switch
    {
        HandshakePeer.HttpClientHttp11 or HandshakePeer.HttpClientHttp2 => HttpClientAsync(peer == HandshakePeer.HttpClientHttp2, port, host, path, certificate),
        HandshakePeer.CurlHttp11 or HandshakePeer.CurlHttp2 => CurlAsync(peer == HandshakePeer.CurlHttp2, port, host, path, certificate),
        _ => OpenSslAsync(peer == HandshakePeer.OpenSslTls12 ? "-tls1_2" : "-tls1_3", port, host, path, certificate),
    };

    private static async Task<PeerOutcome> HttpClientAsync(bool http2, int port, string host, string path, ClientCertificate? certificate)
    {
        using var client = TestClients.Https(port, host, http2, clientCertificate: certificate?.Leaf,
            clientChain: certificate is null ? null : [X509CertificateLoader.LoadCertificate(certificate.Issuer.RawData)]);
        try
        {
            using var response = await client.GetAsync(path);
            return new PeerOutcome((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response.Version.ToString());
        }
        catch (HttpRequestException ex)
        {
            return new PeerOutcome(null, string.Empty, ex.ToString());
        }
    }

    private static async Task<PeerOutcome> CurlAsync(bool http2, int port, string host, string path, ClientCertificate? certificate)
    {
        string[] cert = certificate is null ? [] : ["--cert", certificate.CertPath, "--key", certificate.KeyPath];
        var result = await ExternalTool.RunAsync(ExternalTool.Require("curl"),
            ["-sS", "-k", http2 ? "--http2" : "--http1.1", .. cert, "--resolve", $"{host}:{port}:127.0.0.1", "-w", "\n%{http_code}", $"https://{host}:{port}{path}"],
            Timeout);
        var lines = result.StdOut.Split('\n');
        return result.ExitCode == 0 && int.TryParse(lines[^1], out var status) && status > 0
            ? new PeerOutcome(status, string.Join('\n', lines[..^1]), result.All)
            : new PeerOutcome(null, string.Empty, $"curl exit {result.ExitCode}: {result.All}");
    }

    private static async Task<PeerOutcome> OpenSslAsync(string version, int port, string host, string path, ClientCertificate? certificate)
    {
        string[] cert = certificate is null ? [] : ["-cert", certificate.CertPath, "-key", certificate.KeyPath];
        var result = await ExternalTool.RunAsync(ExternalTool.Require("openssl"),
            ["s_client", "-connect", $"127.0.0.1:{port}", "-servername", host, version, .. cert, "-ign_eof"],
            Timeout, stdin: $"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n");
        var match = StatusLine().Match(result.StdOut);
        if (!match.Success)
        {
            return new PeerOutcome(null, string.Empty, $"openssl exit {result.ExitCode}: {result.All}");
        }

        var headersEnd = result.StdOut.IndexOf("\r\n\r\n", match.Index, StringComparison.Ordinal);
        var head = result.StdOut[match.Index..headersEnd];
        var body = result.StdOut[(headersEnd + 4)..];
        return new PeerOutcome(int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            head.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase) ? Dechunk(body) : body, result.All);
    }

    /// <summary>
    /// Whether a peer without a response had connected and been cut off by the server during or right after the TLS
    /// handshake — not refused at TCP level or timed out, which would prove nothing about the certificate.
    /// </summary>
    public static bool ClosedByServer(HandshakePeer peer, PeerOutcome outcome) => outcome.Status is null && peer switch
    {
        HandshakePeer.HttpClientHttp11 or HandshakePeer.HttpClientHttp2 =>
            !outcome.Transcript.Contains("Connection refused", StringComparison.Ordinal) && !outcome.Transcript.Contains("TaskCanceledException", StringComparison.Ordinal),
        HandshakePeer.CurlHttp11 or HandshakePeer.CurlHttp2 =>
            !outcome.Transcript.StartsWith("curl exit 7:", StringComparison.Ordinal) && !outcome.Transcript.StartsWith("curl exit 28:", StringComparison.Ordinal),
        _ => outcome.Transcript.Contains("CONNECTED(", StringComparison.Ordinal),
    };

    private static string Dechunk(string body)
    {
        var text = new System.Text.StringBuilder();
        var at = 0;
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(body[at..lineEnd], 16);
            if (size == 0)
            {
                return text.ToString();
            }

            text.Append(body, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }

    [GeneratedRegex(@"^HTTP/1\.1 (\d{3})", RegexOptions.Multiline)]
    private static partial Regex StatusLine();
}
