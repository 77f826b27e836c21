namespace EdgeProxy.Tls;

/// <summary>
/// Every certificate the listeners serve, each loaded once (the same files named twice share one entry)
/// and polled for changes on <c>EdgeProxy:Certificates:ReloadInterval</c>.
/// </summary>
internal sealed class CertificateStore : IDisposable
{
    private readonly Dictionary<(string, string?), ReloadableCertificate> _certificates = [];
    private readonly ILogger<CertificateStore> _logger;
    private readonly Timer _timer;

    public CertificateStore(TimeSpan reloadInterval, ILogger<CertificateStore> logger)
    {
        _logger = logger;
        _timer = new Timer(_ => Poll(), null, reloadInterval, reloadInterval);
    }

    public IEnumerable<ReloadableCertificate> All
    {
        get
        {
            lock (_certificates)
            {
                return [.. _certificates.Values];
            }
        }
    }

    public ReloadableCertificate GetOrLoad(CertificateSpec spec)
    {
        lock (_certificates)
        {
            if (!_certificates.TryGetValue((spec.Path, spec.KeyPath), out var certificate))
            {
                certificate = new ReloadableCertificate(spec);
                _certificates.Add((spec.Path, spec.KeyPath), certificate);
            }

            return certificate;
        }
    }

    private void Poll()
    {
        foreach (var certificate in All)
        {
            certificate.ReloadIfChanged(_logger);
        }
    }

    public void Dispose() => _timer.Dispose();
}
