using System.Security.Cryptography;
using System.Text;
using EdgeProxy.ClientCertificates.Revocation;

namespace EdgeProxy.Tests.ClientCertificates.Revocation;

public sealed class CrlParserTests
{
    private static readonly RevocationPki Pki = RevocationPki.Instance;

    public static TheoryData<string> ValidShapes => ["der-empty", "pem-one", "der-many", "v1-no-extensions", "entry-reason", "no-next-update", "critical-idp", "rsa-sha384", "ec-sha512"];

    [Theory]
    [MemberData(nameof(ValidShapes))]
    public void ValidCrl_ParsesAndVerifies(string shape)
    {
        var serial = RevocationPki.Serial();
        var many = Enumerable.Range(0, 1000).Select(_ => RevocationPki.Serial()).Append(serial).ToList();
        var (bytes, issuer, count) = shape switch
        {
            "der-empty" => (RevocationPki.BuildCrl(Pki.Intermediate, []), Pki.Intermediate, 0),
            "pem-one" => (Encoding.ASCII.GetBytes(RevocationPki.Pem(RevocationPki.BuildCrl(Pki.Intermediate, [], serials: [serial]))), Pki.Intermediate, 1),
            "der-many" => (RevocationPki.BuildCrl(Pki.Intermediate, [], serials: many), Pki.Intermediate, many.Count),
            "v1-no-extensions" => (RawCrl.Build(Pki.Intermediate, [serial, RevocationPki.Serial()], nextUpdate: DateTimeOffset.UtcNow.AddDays(1)), Pki.Intermediate, 2),
            "entry-reason" => (RawCrl.Build(Pki.Intermediate, [serial], v2: true, entryExtension: new("2.5.29.21", false, [0x0A, 0x01, 0x01])), Pki.Intermediate, 1),
            "no-next-update" => (RawCrl.Build(Pki.Intermediate, [serial]), Pki.Intermediate, 1),
            "critical-idp" => (RawCrl.Build(Pki.Intermediate, [serial], v2: true, crlExtensions: [new("2.5.29.28", true, [0x30, 0x00])]), Pki.Intermediate, 1),
            "rsa-sha384" => (RevocationPki.BuildCrl(Pki.IntermediateRsa, [], hash: HashAlgorithmName.SHA384, serials: [serial]), Pki.IntermediateRsa, 1),
            "ec-sha512" => (RevocationPki.BuildCrl(Pki.Intermediate, [], hash: HashAlgorithmName.SHA512, serials: [serial]), Pki.Intermediate, 1),
            _ => throw new ArgumentOutOfRangeException(nameof(shape)),
        };

        CrlParser.TryParse(bytes, out var crls, out var error).Should().BeTrue(error);
        var crl = crls.Should().ContainSingle().Subject;
        crl.Revoked.Should().HaveCount(count);
        if (count > 0)
        {
            crl.Revoked.Should().Contain(Convert.ToHexString(serial));
        }

        crl.IsFor(issuer).Should().BeTrue();
        crl.VerifySignature(issuer).Should().BeNull();
        crl.IssuerDisplay.Should().Be(issuer.Subject);
    }

    public static TheoryData<string, string> InvalidShapes => new()
    {
        { "unknown-critical", "unsupported critical CRL extension 1.2.3.4" },
        { "delta", "delta CRLs are not supported" },
        { "indirect", "indirect CRLs are not supported" },
        { "wrong-pem-label", "no -----BEGIN X509 CRL----- block" },
        { "bad-base64", "" },
        { "trailing-bytes", "" },
        { "empty", "" },
        { "text", "" },
    };

    [Theory]
    [MemberData(nameof(InvalidShapes))]
    public void InvalidCrl_IsRefusedWithReason(string shape, string expected)
    {
        var serial = RevocationPki.Serial();
        var good = RevocationPki.BuildCrl(Pki.Intermediate, []);
        var bytes = shape switch
        {
            "unknown-critical" => RawCrl.Build(Pki.Intermediate, [serial], v2: true, crlExtensions: [new("1.2.3.4", true, RawCrl.Null)]),
            "delta" => RawCrl.Build(Pki.Intermediate, [serial], v2: true, crlExtensions: [new("2.5.29.27", true, [0x02, 0x01, 0x01])]),
            "indirect" => RawCrl.Build(Pki.Intermediate, [serial], v2: true, entryExtension: new("2.5.29.29", true, [0x30, 0x00])),
            "wrong-pem-label" => Encoding.ASCII.GetBytes(Pki.Intermediate.ExportCertificatePem()),
            "bad-base64" => Encoding.ASCII.GetBytes("-----BEGIN X509 CRL-----\nnot*base64!\n-----END X509 CRL-----\n"),
            "trailing-bytes" => [.. good, 0x00],
            "empty" => [],
            "text" => Encoding.ASCII.GetBytes("this is not a CRL"),
            _ => throw new ArgumentOutOfRangeException(nameof(shape)),
        };

        CrlParser.TryParse(bytes, out var crls, out var error).Should().BeFalse();
        crls.Should().BeEmpty();
        error.Should().NotBeNullOrWhiteSpace();
        if (expected.Length > 0)
        {
            error.Should().Contain(expected);
        }
    }

    [Fact]
    public void TruncatedDer_NeverThrows()
    {
        var der = RevocationPki.BuildCrl(Pki.Intermediate, [], serials: [RevocationPki.Serial(), RevocationPki.Serial()]);
        for (var length = 0; length < der.Length; length++)
        {
            CrlParser.TryParse(der.AsMemory(0, length), out _, out var error).Should().BeFalse($"a CRL cut at {length} of {der.Length} bytes is incomplete");
            error.Should().NotBeEmpty();
        }
    }

    [Fact]
    public void Garbage_NeverThrows()
    {
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            if (i % 2 == 0 && bytes.Length > 2)
            {
                bytes[0] = 0x30; // a SEQUENCE tag, so the parser gets past the first byte
            }

            CrlParser.TryParse(bytes, out _, out _).Should().BeFalse();
        }
    }

    [Fact]
    public void BitFlips_NeverThrowAndNeverVerify()
    {
        var der = RevocationPki.BuildCrl(Pki.Intermediate, [], serials: [RevocationPki.Serial()]);
        for (var i = 0; i < der.Length; i++)
        {
            var copy = (byte[])der.Clone();
            copy[i] ^= 0x01;
            if (CrlParser.TryParse(copy, out var crls, out _))
            {
                crls.Should().OnlyContain(c => !c.IsFor(Pki.Intermediate) || c.VerifySignature(Pki.Intermediate) != null, $"byte {i} was flipped");
            }
        }
    }

    [Fact]
    public void TwoCrlsInOnePem_BothParsed()
    {
        var pem = RevocationPki.Pem(RevocationPki.BuildCrl(Pki.Intermediate, [])) + RevocationPki.Pem(RevocationPki.BuildCrl(Pki.IntermediateRsa, []));

        CrlParser.TryParse(Encoding.ASCII.GetBytes(pem), out var crls, out _).Should().BeTrue();

        crls.Select(c => c.IssuerDisplay).Should().Equal(Pki.Intermediate.Subject, Pki.IntermediateRsa.Subject);
    }

    [Fact]
    public void TamperedSignature_DoesNotVerify()
    {
        var der = RevocationPki.BuildCrl(Pki.Intermediate, [], serials: [RevocationPki.Serial()]);
        der[^3] ^= 0xFF;

        CrlParser.TryParse(der, out var crls, out _).Should().BeTrue();

        crls[0].VerifySignature(Pki.Intermediate).Should().Be("signature invalid");
    }

    [Fact]
    public void OtherIssuer_IsNotMatchedAndDoesNotVerify()
    {
        CrlParser.TryParse(RevocationPki.BuildCrl(Pki.Intermediate, []), out var crls, out _).Should().BeTrue();

        crls[0].IsFor(Pki.IntermediateRsa).Should().BeFalse();
        crls[0].VerifySignature(Pki.IntermediateRsa).Should().NotBeNull();
    }

    [Fact]
    public void SameNameOtherKey_IsNotMatched()
    {
        var rekeyed = new RevocationPki("Revocation Test").Intermediate;

        CrlParser.TryParse(RevocationPki.BuildCrl(Pki.Intermediate, []), out var crls, out _).Should().BeTrue();

        rekeyed.Subject.Should().Be(Pki.Intermediate.Subject);
        crls[0].IsFor(rekeyed).Should().BeFalse("the CRL's authority key identifier names the other key");
    }

    [Theory]
    [InlineData("1.2.840.113549.1.1.5")] // sha1WithRSAEncryption
    [InlineData("1.2.840.10045.4.1")] // ecdsa-with-SHA1
    [InlineData("1.2.840.113549.1.1.10")] // RSASSA-PSS
    public void UnsupportedAlgorithm_IsRefused(string algorithm)
    {
        CrlParser.TryParse(RawCrl.Build(Pki.Intermediate, [], algorithm: algorithm), out var crls, out _).Should().BeTrue();

        crls[0].VerifySignature(Pki.Intermediate).Should().Be("unsupported signature algorithm " + algorithm);
    }

    [Fact]
    public void IssuerWithoutCrlSign_IsRefused()
    {
        CrlParser.TryParse(RawCrl.Build(Pki.OcspResponder, []), out var crls, out _).Should().BeTrue();

        crls[0].VerifySignature(Pki.OcspResponder).Should().Be("issuer may not sign crls");
    }
}
