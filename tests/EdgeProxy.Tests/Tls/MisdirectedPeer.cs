namespace EdgeProxy.Tests.Tls;

/// <summary>The clients the 421 table runs through: curl and HttpClient (via <see cref="SniOverrideClient"/>), HTTP/1.1 and HTTP/2.</summary>
public enum MisdirectedPeer
{
    CurlHttp11,
    CurlHttp2,
    HttpClientHttp11,
    HttpClientHttp2,
}
