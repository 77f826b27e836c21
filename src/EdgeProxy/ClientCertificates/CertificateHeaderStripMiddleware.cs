using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace EdgeProxy.ClientCertificates;

/// <summary>Removes every certificate header from every inbound request before anything reads it.</summary>
internal sealed class CertificateHeaderStripMiddleware
{
    private readonly RequestDelegate _next;
    private volatile FrozenSet<string> _names;

    public CertificateHeaderStripMiddleware(RequestDelegate next, IOptionsMonitor<ClientCertificateOptions> options)
    {
        _next = next;
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
            foreach (var name in found)
            {
                headers.Remove(name);
            }
        }

        return _next(context);
    }
}
