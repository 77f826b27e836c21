using EdgeProxy.ClientCertificates;
using Microsoft.Extensions.Options;

namespace EdgeProxy.RequestHeaders;

/// <summary>The current <see cref="StripRules"/>, rebuilt whole when <c>EdgeProxy:RequestHeaders</c> or the certificate header names reload.</summary>
internal sealed class StripRulesState : IDisposable
{
    private readonly IOptionsMonitor<RequestHeaderOptions> _options;
    private readonly IOptionsMonitor<ClientCertificateOptions> _certificates;
    private readonly IDisposable? _optionsChanged;
    private readonly IDisposable? _certificatesChanged;
    private volatile StripRules _current;

    public StripRulesState(IOptionsMonitor<RequestHeaderOptions> options, IOptionsMonitor<ClientCertificateOptions> certificates)
    {
        _options = options;
        _certificates = certificates;
        _current = Build();
        _optionsChanged = options.OnChange(_ => _current = Build());
        _certificatesChanged = certificates.OnChange(_ => _current = Build());
    }

    public StripRules Current => _current;

    public void Dispose()
    {
        _optionsChanged?.Dispose();
        _certificatesChanged?.Dispose();
    }

    private StripRules Build()
    {
        var options = _options.CurrentValue;
        return new StripRules(options.Strip ?? [], options.AcceptFromTrustedProxies ?? [], _certificates.CurrentValue.HeaderNames.Values);
    }
}
