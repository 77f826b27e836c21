using Microsoft.AspNetCore.Http.Features;

namespace EdgeProxy.Streaming;

/// <summary>HTTP/2 extended CONNECT (RFC 8441): hands YARP the accepted stream wrapped by the session.</summary>
internal sealed class TrackedExtendedConnectFeature(IHttpExtendedConnectFeature inner, StreamSession session) : IHttpExtendedConnectFeature
{
    public bool IsExtendedConnect => inner.IsExtendedConnect;

    public string? Protocol => inner.Protocol;

    public async ValueTask<Stream> AcceptAsync() => session.WrapUpgraded(await inner.AcceptAsync());
}
