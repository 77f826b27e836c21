using EdgeProxy.Configuration;

namespace EdgeProxy.Tls;

/// <summary><c>EdgeProxy:Certificates</c>: how often certificate files are polled.</summary>
internal sealed class CertificatesOptionsValidator : OptionsValidator<CertificatesOptions>
{
    public override void Check(CertificatesOptions options, ConfigReport report)
    {
        if (options.ReloadInterval.Value < TimeSpan.FromMilliseconds(100))
        {
            report.Fail(CertificatesOptions.SectionName + ":ReloadInterval", "must be at least 100ms");
        }
    }
}
