namespace EdgeProxy.Tests.ClientCertificates;

/// <summary>The clients a handshake is tried with: .NET's HttpClient, curl and openssl s_client, each over a new connection.</summary>
public enum HandshakePeer
{
    HttpClientHttp11,
    HttpClientHttp2,
    CurlHttp11,
    CurlHttp2,
    OpenSslTls12,
    OpenSslTls13,
}
