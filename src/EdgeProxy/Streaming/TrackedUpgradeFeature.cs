using Microsoft.AspNetCore.Http.Features;

namespace EdgeProxy.Streaming;

/// <summary>HTTP/1.1 Upgrade: hands YARP the upgraded connection wrapped by the session.</summary>
internal sealed class TrackedUpgradeFeature(IHttpUpgradeFeature inner, StreamSession session) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    public async Task<Stream> UpgradeAsync() => session.WrapUpgraded(await inner.UpgradeAsync());
}
