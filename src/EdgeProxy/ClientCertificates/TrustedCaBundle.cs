using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.ClientCertificates;

/// <summary>The CAs from <c>TrustedCaFiles</c>: self-issued ones are trust anchors, the rest usable intermediates.</summary>
internal sealed class TrustedCaBundle
{
    public TrustedCaBundle(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(file);
            foreach (var certificate in certificates)
            {
                (certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) ? Roots : Intermediates).Add(certificate);
            }
        }
    }

    public X509Certificate2Collection Roots { get; } = [];

    public X509Certificate2Collection Intermediates { get; } = [];

    public int Count => Roots.Count + Intermediates.Count;
}
