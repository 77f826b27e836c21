using System.Net.Security;
using EdgeProxy.Tls;

namespace EdgeProxy.Tests.Tls;

public sealed class OpenSslDefaultSuitesTests
{
    [Fact]
    public void Tls12_InThisProcess_ReadsTheSuitesFromARealClientHello()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var suites = OpenSslDefaultSuites.Tls12();

        suites.Should().Contain(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256).And.Contain(TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384);
        suites.Should().NotContain(s => s.ToString().StartsWith("TLS_AES_", StringComparison.Ordinal), "a TLS 1.2-only ClientHello lists no TLS 1.3 suite");
        suites.Should().NotContain((TlsCipherSuite)0x00FF, "the renegotiation SCSV is no suite");
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28 })] // an alert record
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x00, 0x30, 0x01, 0x00, 0x00, 0x2c, 0x03, 0x03 })] // cut inside the random
    [InlineData(new byte[]
    {
        0x16, 0x03, 0x01, 0x00, 0x33, 0x01, 0x00, 0x00, 0x2f, 0x03, 0x03,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0x00, 0x00, 0x08, 0xC0, 0x2B, 0xC0, 0x2F,
    })] // cut inside its cipher list: two strong suites of four, which alone would pass for a strict default
    public void Read_NoClientHello_IsEmpty_SoNoListenerLosesItsPolicy(byte[] flight) =>
        OpenSslDefaultSuites.Read(flight).Should().BeEmpty();

    [Fact]
    public void Read_ClientHello_ListsItsSuitesInOrder()
    {
        byte[] hello =
        [
            0x16, 0x03, 0x01, 0x00, 0x31, // handshake record
            0x01, 0x00, 0x00, 0x2d, 0x03, 0x03, .. new byte[32], // ClientHello, legacy_version, random
            0x00, // empty session id
            0x00, 0x06, 0xC0, 0x2B, 0x00, 0xFF, 0xC0, 0x23, // three suites, the SCSV among them
        ];

        OpenSslDefaultSuites.Read(hello).Should().Equal(TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256);
    }
}
