using System.Buffers.Text;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeProxy.Acme;

/// <summary>
/// RFC 8555 transport: the directory, nonces, and JWS-signed POSTs. Signing is serialized so each request
/// uses a fresh nonce; a <c>badNonce</c> answer is retried at once with the nonce it carried.
/// </summary>
internal sealed partial class AcmeClient(HttpClient http, Uri directoryUrl, AcmeAccountKey key, ILogger logger) : IDisposable
{
    // RFC 8555 6.5: a badNonce answer carries a fresh nonce and the request is retried with it. A CA that refuses
    // half of its good nonces (pebble's stress setting) made 10 tries in a row fail about once per 1,000 POSTs, and an
    // order polls its authorization many times; 20 tries make that one in a million, still bounded against a CA that
    // never accepts one.
    private const int NonceAttempts = 20;
    private static readonly MediaTypeHeaderValue JoseJson = new("application/jose+json"); // no charset: servers answer 415 to one
    private readonly SemaphoreSlim _gate = new(1, 1);
    private JsonObject? _directory;
    private string? _nonce;

    public AcmeAccountKey Key { get; } = key;

    /// <summary>The account URL, used as <c>kid</c> once known; until then requests carry the JWK.</summary>
    public string? AccountUrl { get; set; }

    public async Task<string> EndpointAsync(string name, CancellationToken ct)
    {
        if (_directory is null)
        {
            using var response = await http.GetAsync(directoryUrl, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"directory {directoryUrl} answered {(int)response.StatusCode}: {body}");
            }

            _directory = JsonNode.Parse(body) as JsonObject ?? throw new InvalidDataException($"directory {directoryUrl} is not a JSON object");
        }

        return _directory[name]?.GetValue<string>() ?? throw new InvalidDataException($"directory {directoryUrl} has no '{name}'");
    }

    /// <summary>A directory entry the CA may not offer (<c>renewalInfo</c>): null when absent.</summary>
    public async Task<string?> OptionalEndpointAsync(string name, CancellationToken ct)
    {
        await EndpointAsync("newNonce", ct);
        return _directory![name]?.GetValue<string>();
    }

    /// <summary>POSTs <paramref name="payload"/> signed; null payload is POST-as-GET. Problems throw <see cref="AcmeProblemException"/>.</summary>
    public async Task<AcmeResponse> PostAsync(string url, JsonNode? payload, CancellationToken ct, string? accept = null)
    {
        var payloadB64 = payload is null ? string.Empty : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        await _gate.WaitAsync(ct);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var nonce = _nonce ?? await NewNonceAsync(ct);
                _nonce = null;
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(Sign(url, nonce, payloadB64), JoseJson) };
                if (accept is not null)
                {
                    request.Headers.Accept.ParseAdd(accept);
                }

                using var response = await http.SendAsync(request, ct);
                _nonce = response.Headers.TryGetValues("Replay-Nonce", out var nonces) ? nonces.FirstOrDefault() : null;
                var body = await response.Content.ReadAsStringAsync(ct);
                var retryAfter = AcmeResponse.ReadRetryAfter(response);
                if (response.IsSuccessStatusCode)
                {
                    return new AcmeResponse(response.StatusCode, response.Headers.Location?.ToString(), retryAfter, body);
                }

                var problem = ReadProblem(body, (int)response.StatusCode, retryAfter);
                if (problem.ShortType == "badNonce" && attempt < NonceAttempts)
                {
                    Log.BadNonce(logger, url, attempt);
                    continue;
                }

                throw problem;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private string Sign(string url, string nonce, string payloadB64)
    {
        var header = AccountUrl is null
            ? $"{{\"alg\":\"ES256\",\"jwk\":{Key.Jwk},\"nonce\":{JsonValue.Create(nonce)!.ToJsonString()},\"url\":{JsonValue.Create(url)!.ToJsonString()}}}"
            : $"{{\"alg\":\"ES256\",\"kid\":{JsonValue.Create(AccountUrl)!.ToJsonString()},\"nonce\":{JsonValue.Create(nonce)!.ToJsonString()},\"url\":{JsonValue.Create(url)!.ToJsonString()}}}";
        var protectedB64 = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header));
        return new JsonObject
        {
            ["protected"] = protectedB64,
            ["payload"] = payloadB64,
            ["signature"] = Key.Sign(protectedB64, payloadB64),
        }.ToJsonString();
    }

    private async Task<string> NewNonceAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, await EndpointAsync("newNonce", ct));
        using var response = await http.SendAsync(request, ct);
        return response.Headers.TryGetValues("Replay-Nonce", out var values) && values.FirstOrDefault() is { } nonce
            ? nonce
            : throw new InvalidDataException($"newNonce answered {(int)response.StatusCode} without a Replay-Nonce header");
    }

    private static AcmeProblemException ReadProblem(string body, int status, TimeSpan? retryAfter)
    {
        JsonObject? problem = null;
        try
        {
            problem = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
        }

        // A problem document without detail keeps an empty one; any other body is quoted, shortened.
        return AcmeProblemException.From(problem, problem is not null ? string.Empty : body.Length > 300 ? body[..300] : body, status, retryAfter);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.AcmeBadNonce, LogLevel.Debug, "ACME server refused the nonce for {Url} (attempt {Attempt}); retrying with the fresh one it sent")]
        public static partial void BadNonce(ILogger logger, string url, int attempt);
    }
}
