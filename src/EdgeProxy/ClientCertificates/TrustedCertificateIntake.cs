using Microsoft.Extensions.Options;

namespace EdgeProxy.ClientCertificates;

/// <summary>
/// What a trusted TLS terminator in front says about the client's certificate, read before the inbound pass
/// removes every certificate header: with <c>AcceptFromTrustedProxies</c>, its header becomes this request's
/// certificate once it validates, unless the connection presented its own; with <c>XfccMode: AppendForward</c>
/// its XFCC is kept for this hop's element to extend.
/// </summary>
internal sealed class TrustedCertificateIntake(IOptionsMonitor<ClientCertificateOptions> options, ClientCertificateValidator validator)
{
    /// <summary>Runs only on requests from a trusted peer that carried a certificate header.</summary>
    public void Read(HttpContext context)
    {
        var settings = options.CurrentValue;
        string Name(string name) => settings.HeaderNames.GetValueOrDefault(name, name);
        if (settings.XfccMode == XfccMode.AppendForward && context.Request.Headers[Name(CertificateHeaderNames.Xfcc)].ToString() is { Length: > 0 } xfcc)
        {
            context.Features.Set(new TrustedXfcc(xfcc));
        }

        if (settings.AcceptFromTrustedProxies == ForwardFormat.None || context.Features.Find<ClientCertificateState>()?.Certificate is not null)
        {
            return;
        }

        if (ForwardedCertificateReader.TryRead(settings.AcceptFromTrustedProxies, context.Request.Headers, Name, out var leaf, out var chain))
        {
            var (verdict, issuer) = validator.ValidateChain(leaf, chain);
            var complete = validator.CompleteAsync(leaf, verdict, issuer, context.RequestAborted);
            context.Features.Set(new ClientCertificateState(leaf, [.. chain], complete)); // this request only
        }
    }
}
