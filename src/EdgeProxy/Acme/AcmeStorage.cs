using System.Text;
using EdgeProxy.Hosting;
using EdgeProxy.Tls;

namespace EdgeProxy.Acme;

/// <summary>
/// Files under the storage path: one account per directory URL (key 0600 + URL), one PEM per host holding the
/// chain and its key (0600, replaced atomically so a reader never sees a certificate without its key), and
/// challenge answers any replica sharing the folder can serve.
/// </summary>
internal sealed class AcmeStorage(string root, Uri directoryUrl)
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private string AccountDirectory => Path.Combine(root, "accounts", Safe(directoryUrl.Authority + directoryUrl.AbsolutePath));

    public string ChallengeDirectory => Path.Combine(root, "challenges");

    public CertificateSpec CertificateSpec(string host) =>
        new($"{AcmeOptions.SectionName}:Hosts:{host}", Path.Combine(root, "certificates", Safe(host), "certificate.pem"), null, null);

    public Task<AcmeHostLock> LockAsync(string host, CancellationToken ct) => AcmeHostLock.AcquireAsync(Path.Combine(root, "locks", Safe(host) + ".lock"), ct);

    public (string KeyPem, string? Url)? ReadAccount()
    {
        var keyPath = Path.Combine(AccountDirectory, "account.key.pem");
        if (!File.Exists(keyPath))
        {
            return null;
        }

        var urlPath = Path.Combine(AccountDirectory, "account.url");
        return (File.ReadAllText(keyPath), File.Exists(urlPath) ? File.ReadAllText(urlPath).Trim() : null);
    }

    /// <summary>
    /// Stores a new account key unless a replica sharing the folder stored one first; returns the key in effect,
    /// so every replica signs with the key whose account URL is stored beside it.
    /// </summary>
    public string CreateAccountKey(string pem)
    {
        var path = Path.Combine(AccountDirectory, "account.key.pem");
        var temp = AtomicFile.WriteTemp(path, pem, Private);
        try
        {
            File.Move(temp, path, overwrite: false);
            return pem;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temp);
            return File.ReadAllText(path);
        }
    }

    public void WriteAccountUrl(string url) => AtomicFile.Write(Path.Combine(AccountDirectory, "account.url"), url + "\n", Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

    public void WriteCertificate(string host, string chainPem, string keyPem) =>
        AtomicFile.Write(CertificateSpec(host).Path, chainPem.TrimEnd() + "\n" + keyPem.TrimEnd() + "\n", Private);

    /// <summary>Pending HTTP-01 answers: one file per token (base64url, checked by the caller), holding the host name and the key authorization.</summary>
    public void WriteChallenge(string token, string host, string keyAuthorization) => WriteAnswer(Path.Combine(ChallengeDirectory, token), host, keyAuthorization);

    /// <summary>The key authorization a replica sharing this folder stored for <paramref name="token"/> on <paramref name="host"/>, or null.</summary>
    public string? ReadChallenge(string token, string host) => ReadAnswer(Path.Combine(ChallengeDirectory, token), host);

    public void DeleteChallenge(string token) => TryDelete(Path.Combine(ChallengeDirectory, token));

    /// <summary>Pending TLS-ALPN-01 answers: one file per host name, holding the name and the key authorization.</summary>
    public string TlsAlpnDirectory => Path.Combine(root, "tls-alpn-challenges");

    public void WriteTlsAlpnChallenge(string host, string keyAuthorization) => WriteAnswer(Path.Combine(TlsAlpnDirectory, Safe(host)), host, keyAuthorization);

    public void DeleteTlsAlpnChallenge(string host) => TryDelete(Path.Combine(TlsAlpnDirectory, Safe(host)));

    /// <summary>The key authorization a replica sharing this folder stored for <paramref name="host"/>, or null.</summary>
    public string? ReadTlsAlpnChallenge(string host) => ReadAnswer(Path.Combine(TlsAlpnDirectory, Safe(host)), host);

    private static void WriteAnswer(string path, string host, string keyAuthorization) =>
        AtomicFile.Write(path, host + "\n" + keyAuthorization, Private | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

    /// <summary>A stored challenge answer, only when it was stored for <paramref name="host"/>; null when absent or unreadable.</summary>
    private static string? ReadAnswer(string path, string host)
    {
        try
        {
            var lines = File.ReadAllText(path).Split('\n', 2);
            return lines.Length == 2 && lines[0].Equals(host, StringComparison.OrdinalIgnoreCase) ? lines[1] : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    // Host names and URLs become one path segment: nothing can climb out of the storage folder.
    private static string Safe(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name.ToLowerInvariant())
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_');
        }

        return builder.ToString().Trim('.');
    }
}
