using Microsoft.Extensions.Primitives;

namespace EdgeProxy.RequestHeaders;

/// <summary>The method-override headers a request carried, held back from it until its route says whether it may keep them.</summary>
internal sealed class MethodOverrideRequest(IReadOnlyList<KeyValuePair<string, StringValues>> headers)
{
    public IReadOnlyList<KeyValuePair<string, StringValues>> Headers { get; } = headers;
}
