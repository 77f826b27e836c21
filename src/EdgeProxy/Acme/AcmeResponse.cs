using System.Net;
using System.Text.Json.Nodes;

namespace EdgeProxy.Acme;

/// <summary>One answer from the CA, read whole (ACME bodies are small).</summary>
internal sealed record AcmeResponse(HttpStatusCode Status, string? Location, TimeSpan? RetryAfter, string Body)
{
    public JsonObject Json => JsonNode.Parse(Body) as JsonObject ?? throw new InvalidDataException("the CA answered with JSON that is not an object");

    public static TimeSpan? ReadRetryAfter(HttpResponseMessage response)
    {
        var retry = response.Headers.RetryAfter;
        if (retry?.Delta is { } delta)
        {
            return delta;
        }

        return retry?.Date is { } date ? date - DateTimeOffset.UtcNow : null;
    }
}
