using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace EdgeProxy.Acme;

/// <summary>
/// One RFC 8555 order for one host name: account (created once, then reused), order, HTTP-01 for each pending
/// authorization, finalize with a fresh key and CSR, download the PEM chain. Returns chain and key PEM.
/// </summary>
internal sealed partial class AcmeIssuer(AcmeClient client, AcmeSettings settings, AcmeStorage storage, Http01Challenges challenges, TlsAlpnChallenges tlsAlpn, ILogger logger) : IDisposable
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(90);
    private readonly SemaphoreSlim _accountGate = new(1, 1);

    /// <summary>Orders a certificate for <paramref name="host"/>; <paramref name="replaces"/> is the ARI certID of the one it renews.</summary>
    public async Task<(string ChainPem, string KeyPem)> IssueAsync(string host, CancellationToken ct, string? replaces = null)
    {
        await EnsureAccountAsync(ct);
        var payload = new JsonObject { ["identifiers"] = new JsonArray(new JsonObject { ["type"] = "dns", ["value"] = host }) };
        if (replaces is not null)
        {
            payload["replaces"] = replaces;
        }

        var created = await client.PostAsync(await client.EndpointAsync("newOrder", ct), payload, ct);
        var orderUrl = created.Location ?? throw new InvalidDataException("newOrder answered without a Location");
        var order = created.Json;
        Log.OrderCreated(logger, host, orderUrl);

        foreach (var authorization in order["authorizations"]!.AsArray().Select(a => a!.GetValue<string>()))
        {
            await AuthorizeAsync(host, authorization, ct);
        }

        using var key = settings.KeyType == AcmeKeyType.EcdsaP384 ? ECDsa.Create(ECCurve.NamedCurves.nistP384) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + host, key, settings.KeyType == AcmeKeyType.EcdsaP384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(host);
        request.CertificateExtensions.Add(san.Build());
        await client.PostAsync(order["finalize"]!.GetValue<string>(), new JsonObject { ["csr"] = Base64Url.EncodeToString(request.CreateSigningRequest()) }, ct);

        order = await PollAsync(orderUrl, "order", s => s is "valid" or "invalid", ct);
        if (order["status"]!.GetValue<string>() != "valid")
        {
            throw Problem(order["error"], $"order for {host} became {order["status"]}");
        }

        var certificate = await client.PostAsync(order["certificate"]!.GetValue<string>(), null, ct, accept: "application/pem-certificate-chain");
        return (certificate.Body, key.ExportPkcs8PrivateKeyPem());
    }

    private async Task AuthorizeAsync(string host, string url, CancellationToken ct)
    {
        var authorization = (await client.PostAsync(url, null, ct)).Json;
        if (authorization["status"]?.GetValue<string>() == "valid")
        {
            return; // reused from an earlier order
        }

        // HTTP-01 when configured (it needs no TLS tricks), else TLS-ALPN-01 on the https listener.
        var offered = authorization["challenges"]!.AsArray().OfType<JsonObject>().ToList();
        var challenge = (settings.Challenges.Contains(AcmeChallengeType.Http01) ? offered.FirstOrDefault(c => c["type"]?.GetValue<string>() == "http-01") : null)
            ?? (settings.Challenges.Contains(AcmeChallengeType.TlsAlpn01) ? offered.FirstOrDefault(c => c["type"]?.GetValue<string>() == "tls-alpn-01") : null)
            ?? throw new AcmeProblemException("urn:ietf:params:acme:error:unsupportedChallenge", $"the CA offers none of the configured challenges for {host}", 0);
        var token = challenge["token"]!.GetValue<string>();
        var http01 = challenge["type"]!.GetValue<string>() == "http-01";
        if (http01)
        {
            challenges.Add(token, host, client.Key.KeyAuthorization(token));
        }
        else
        {
            tlsAlpn.Add(host, client.Key.KeyAuthorization(token));
        }

        try
        {
            await client.PostAsync(challenge["url"]!.GetValue<string>(), new JsonObject(), ct);
            authorization = await PollAsync(url, "authorization", s => s is not "pending", ct);
        }
        finally
        {
            if (http01)
            {
                challenges.Remove(token);
            }
            else
            {
                tlsAlpn.Remove(host);
            }
        }

        if (authorization["status"]?.GetValue<string>() != "valid")
        {
            var failed = authorization["challenges"]!.AsArray().OfType<JsonObject>().FirstOrDefault(c => c["error"] is not null);
            throw Problem(failed?["error"], $"authorization for {host} became {authorization["status"]}");
        }
    }

    private async Task<JsonObject> PollAsync(string url, string what, Func<string?, bool> done, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + PollTimeout;
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            var response = await client.PostAsync(url, null, ct);
            var json = response.Json;
            if (done(json["status"]?.GetValue<string>()))
            {
                return json;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"the {what} {url} is still {json["status"]} after {PollTimeout.TotalSeconds:0} s");
            }

            await Task.Delay(response.RetryAfter is { } retry && retry > TimeSpan.Zero ? retry : delay, ct);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
        }
    }

    private async Task EnsureAccountAsync(CancellationToken ct)
    {
        await _accountGate.WaitAsync(ct);
        try
        {
            if (client.AccountUrl is not null)
            {
                return;
            }

            var payload = new JsonObject { ["termsOfServiceAgreed"] = true };
            if (settings.Email is { } email)
            {
                payload["contact"] = new JsonArray("mailto:" + email);
            }

            var response = await client.PostAsync(await client.EndpointAsync("newAccount", ct), payload, ct);
            client.AccountUrl = response.Location ?? throw new InvalidDataException("newAccount answered without a Location");
            storage.WriteAccountUrl(client.AccountUrl);
            Log.AccountReady(logger, client.AccountUrl, response.Status == System.Net.HttpStatusCode.Created ? "created" : "found");
        }
        finally
        {
            _accountGate.Release();
        }
    }

    /// <summary>Forgets the account URL (the CA no longer knows it); the next order registers the same key again.</summary>
    public void ForgetAccount() => client.AccountUrl = null;

    public void Dispose() => _accountGate.Dispose();

    private static AcmeProblemException Problem(JsonNode? error, string fallback) =>
        AcmeProblemException.From(error, fallback, (error as JsonObject)?["status"]?.GetValue<int>() ?? 0);

    private static partial class Log
    {
        [LoggerMessage(EventIds.AcmeAccountReady, LogLevel.Information, "ACME account {AccountUrl} {Action}")]
        public static partial void AccountReady(ILogger logger, string accountUrl, string action);

        [LoggerMessage(EventIds.AcmeOrderCreated, LogLevel.Information, "ACME order for {Host} placed: {OrderUrl}")]
        public static partial void OrderCreated(ILogger logger, string host, string orderUrl);
    }
}
