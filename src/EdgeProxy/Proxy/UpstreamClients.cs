using EdgeProxy.Observability;
using EdgeProxy.Tls;

namespace EdgeProxy.Proxy;

/// <summary>
/// The one place YARP's upstream <see cref="SocketsHttpHandler"/>s are adjusted: YARP keeps a single
/// <c>ConfigureHttpClient</c> callback, so a second call would silently replace the first.
/// </summary>
internal static class UpstreamClients
{
    public static IReverseProxyBuilder ConfigureUpstreamClients(this IReverseProxyBuilder proxy, IConfiguration configuration)
    {
        var propagates = TelemetryServiceCollectionExtensions.HttpClientPropagates(configuration);
        return proxy.ConfigureHttpClient((_, handler) =>
        {
            handler.SslOptions.CertificateChainPolicy = OutboundTls.ChainPolicy(); // never download an issuer or CRL inside a handshake
            if (!propagates)
            {
                handler.ActivityHeadersPropagator = null; // TraceContextTransform sets traceparent instead
            }
        });
    }
}
