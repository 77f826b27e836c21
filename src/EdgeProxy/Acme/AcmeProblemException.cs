using System.Text.Json.Nodes;

namespace EdgeProxy.Acme;

/// <summary>An RFC 7807 problem document from the CA (or a challenge error), kept whole for the log.</summary>
internal sealed class AcmeProblemException(string type, string detail, int status, TimeSpan? retryAfter = null)
    : Exception($"{type}: {detail} (HTTP {status})")
{
    public const string Prefix = "urn:ietf:params:acme:error:";

    public string Type { get; } = type;

    public string Detail { get; } = detail;

    public int Status { get; } = status;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>
    /// From a problem document (an error answer's body, or the <c>error</c> member of an order, authorization or
    /// challenge); without one, <c>about:blank</c> with <paramref name="fallbackDetail"/>.
    /// </summary>
    public static AcmeProblemException From(JsonNode? problem, string fallbackDetail, int status, TimeSpan? retryAfter = null) =>
        problem is JsonObject p
            ? new AcmeProblemException(p["type"]?.GetValue<string>() ?? "about:blank", p["detail"]?.GetValue<string>() ?? fallbackDetail, status, retryAfter)
            : new AcmeProblemException("about:blank", fallbackDetail, status, retryAfter);

    /// <summary>The type without the ACME URN prefix: <c>badNonce</c>, <c>rateLimited</c>, <c>connection</c>...</summary>
    public string ShortType => Type.StartsWith(Prefix, StringComparison.Ordinal) ? Type[Prefix.Length..] : Type;
}
