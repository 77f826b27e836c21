using Microsoft.AspNetCore.Http.Features;

namespace EdgeProxy.Streaming;

/// <summary>
/// The request's own body and features a session replaced with its wrappers, so a retried exchange (Retries) starts
/// from them again. A mutable struct kept in a field of its <see cref="StreamSession"/> (never copied).
/// </summary>
internal struct OriginalFeatures
{
    public IHttpResponseBodyFeature? Body;
    public Stream? RequestBody;
    public IHttpUpgradeFeature? Upgrade;
    public IHttpExtendedConnectFeature? Connect;

    public readonly void Restore(HttpContext context)
    {
        var features = context.Features;
        if (Body is not null)
        {
            features.Set(Body);
        }

        if (RequestBody is not null)
        {
            context.Request.Body = RequestBody;
        }

        if (Upgrade is not null)
        {
            features.Set(Upgrade);
        }

        if (Connect is not null)
        {
            features.Set(Connect);
        }
    }
}
