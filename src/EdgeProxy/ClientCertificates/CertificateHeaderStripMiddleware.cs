using System.Collections.Frozen;
using EdgeProxy.ForwardedHeaders;
using Microsoft.Extensions.Options;

namespace EdgeProxy.ClientCertificates;

/// <summary>
/// Removes every certificate header from every inbound request before anything reads it. The one
/// exception is read first: with <c>AcceptFromTrustedProxies</c>, a trusted peer's certificate header
/// becomes this request's certificate once it validates, unless the connection presented its own.
/// </summary>
internal sealed class CertificateHeaderStripMiddleware
{
    private readonly RequestDelegate _next;
    private readonly IOptionsMonitor<ClientCertificateOptions> _options;
    private readonly ClientCertificateValidator _validator;
    private volatile FrozenSet<string> _names;

    public CertificateHeaderStripMiddleware(RequestDelegate next, IOptionsMonitor<ClientCertificateOptions> options, ClientCertificateValidator validator)
    {
        _next = next;
        _options = options;
        _validator = validator;
        _names = CertificateHeaderNames.StripList(options.CurrentValue.HeaderNames.Values);
        options.OnChange(o => _names = CertificateHeaderNames.StripList(o.HeaderNames.Values));
    }

    public Task InvokeAsync(HttpContext context)
    {
        // Walk the (few) request headers rather than probing the (many) names: no work in the common case.
        var headers = context.Request.Headers;
        List<string>? found = null;
        foreach (var header in headers)
        {
            if (_names.Contains(header.Key))
            {
                (found ??= []).Add(header.Key);
            }
        }

        if (found is not null)
        {
            AcceptFromTrustedProxy(context);
            KeepTrustedXfcc(context);
            foreach (var name in found)
            {
                headers.Remove(name);
            }
        }

        return _next(context);
    }

    private void KeepTrustedXfcc(HttpContext context)
    {
        var settings = _options.CurrentValue;
        if (settings.XfccMode == XfccMode.AppendForward && context.Features.Get<ForwardedClient>() is not null
            && context.Request.Headers[settings.HeaderNames.GetValueOrDefault(CertificateHeaderNames.Xfcc, CertificateHeaderNames.Xfcc)].ToString() is { Length: > 0 } xfcc)
        {
            context.Features.Set(new TrustedXfcc(xfcc));
        }
    }

    private void AcceptFromTrustedProxy(HttpContext context)
    {
        var settings = _options.CurrentValue;
        if (settings.AcceptFromTrustedProxies == ForwardFormat.None
            || context.Features.Get<ForwardedClient>() is null // set only when the TCP peer is in TrustedProxies:Networks
            || context.Features.Get<ClientCertificateState>()?.Certificate is not null)
        {
            return;
        }

        string Name(string name) => settings.HeaderNames.GetValueOrDefault(name, name);
        if (ForwardedCertificateReader.TryRead(settings.AcceptFromTrustedProxies, context.Request.Headers, Name, out var leaf, out var chain))
        {
            var (verdict, issuer) = _validator.ValidateChain(leaf, chain);
            var complete = _validator.CompleteAsync(leaf, verdict, issuer, context.RequestAborted);
            context.Features.Set(new ClientCertificateState(leaf, [.. chain], complete)); // this request only
        }
    }
}
