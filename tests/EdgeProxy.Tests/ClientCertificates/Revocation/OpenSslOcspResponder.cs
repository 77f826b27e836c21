using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using EdgeProxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace EdgeProxy.Tests.ClientCertificates.Revocation;

/// <summary>
/// A real OCSP responder: every answer is made and signed by <c>openssl ocsp -index ... -reqin ... -respout</c>
/// from an index.txt in openssl's CA format. openssl 3.0's own <c>-port</c> server binds every interface, so the
/// HTTP side is a loopback-only Kestrel on an ephemeral port that hands each request to openssl and counts them.
/// </summary>
public sealed class OpenSslOcspResponder : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly List<string> _index = [];
    private readonly string[] _validity;
    private WebApplication? _app;
    private int _requests;

    /// <param name="ca">The issuer the index speaks for.</param>
    /// <param name="signer">The certificate (with key) that signs responses: the CA itself or a delegated responder.</param>
    /// <param name="validity">e.g. <c>["-nmin", "1"]</c> for a nextUpdate one minute ahead; empty for none.</param>
    public OpenSslOcspResponder(X509Certificate2 ca, X509Certificate2 signer, params string[] validity)
    {
        _validity = validity;
        File.WriteAllText(_dir.Combine("ca.pem"), ca.ExportCertificatePem());
        File.WriteAllText(_dir.Combine("signer.pem"), signer.ExportCertificatePem());
        File.WriteAllText(_dir.Combine("signer.key"), signer.GetRSAPrivateKey()?.ExportPkcs8PrivateKeyPem() ?? signer.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    public Uri Url { get; private set; } = null!;

    public int Requests => Volatile.Read(ref _requests);

    public OpenSslOcspResponder Valid(X509Certificate2 cert) => Add('V', cert, string.Empty);

    public OpenSslOcspResponder Revoked(X509Certificate2 cert) => Add('R', cert, Time(DateTimeOffset.UtcNow.AddMinutes(-10)));

    public async Task<OpenSslOcspResponder> StartAsync()
    {
        File.WriteAllText(_dir.Combine("index.txt"), string.Concat(_index));
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/", async (HttpContext context) =>
        {
            var id = Interlocked.Increment(ref _requests);
            var request = _dir.Combine($"req{id}.der");
            var response = _dir.Combine($"resp{id}.der");
            using (var file = File.Create(request))
            {
                await context.Request.Body.CopyToAsync(file);
            }

            var result = await ExternalTool.RunAsync(
                ExternalTool.Require("openssl"),
                ["ocsp", "-index", _dir.Combine("index.txt"), "-CA", _dir.Combine("ca.pem"), "-rsigner", _dir.Combine("signer.pem"),
                 "-rkey", _dir.Combine("signer.key"), "-reqin", request, "-respout", response, .. _validity],
                TimeSpan.FromSeconds(20));
            if (result.ExitCode != 0)
            {
                return Results.Problem(result.All);
            }

            return Results.Bytes(await File.ReadAllBytesAsync(response), "application/ocsp-response");
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Url = new Uri(address + "/");
        return this;
    }

    /// <summary>Stops answering: the port is closed, so a client now sees a refused connection.</summary>
    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _dir.Dispose();
    }

    private OpenSslOcspResponder Add(char status, X509Certificate2 cert, string revoked)
    {
        // openssl reads the index on every request, so entries added after start count too.
        _index.Add($"{status}\t{Time(cert.NotAfter)}\t{revoked}\t{Convert.ToHexString(cert.SerialNumberBytes.Span)}\tunknown\t/{cert.Subject}\n");
        File.WriteAllText(_dir.Combine("index.txt"), string.Concat(_index));
        return this;
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyMMddHHmmss", CultureInfo.InvariantCulture) + "Z";
}
