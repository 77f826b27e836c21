using System.Security.Cryptography.X509Certificates;

namespace EdgeProxy.Tests.ClientCertificates;

/// <summary>A client certificate with its issuer, written as PEM files for the command-line peers.</summary>
public sealed class ClientCertificate
{
    public ClientCertificate(X509Certificate2 leaf, X509Certificate2 issuer, string directory, string name)
    {
        Leaf = leaf;
        Issuer = issuer;
        Directory.CreateDirectory(directory);
        CertPath = Path.Combine(directory, name + ".crt.pem");
        KeyPath = Path.Combine(directory, name + ".key.pem");
        File.WriteAllText(CertPath, leaf.ExportCertificatePem() + "\n" + issuer.ExportCertificatePem() + "\n");
        File.WriteAllText(KeyPath, leaf.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    public X509Certificate2 Leaf { get; }

    public X509Certificate2 Issuer { get; }

    public string CertPath { get; }

    public string KeyPath { get; }

    public string Serial => Leaf.SerialNumber;
}
