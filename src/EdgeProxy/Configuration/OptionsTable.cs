using EdgeProxy.Acme;
using EdgeProxy.Admin;
using EdgeProxy.Authentication;
using EdgeProxy.ClientCertificates;
using EdgeProxy.ClientCertificates.Revocation;
using EdgeProxy.ErrorPages;
using EdgeProxy.ForwardedHeaders;
using EdgeProxy.Hosting;
using EdgeProxy.Hsts;
using EdgeProxy.Observability;
using EdgeProxy.RateLimiting;
using EdgeProxy.RequestHeaders;
using EdgeProxy.Retries;
using EdgeProxy.Streaming;
using EdgeProxy.Tls;

namespace EdgeProxy.Configuration;

/// <summary>
/// Every options type bound from the file, with its section and its binding, reading and checking made for that type
/// (no <c>MakeGenericMethod</c> at run time, which a native-AOT build cannot do). <c>OptionsTableTests</c> fails when a
/// public <c>*Options</c> type with a <c>SectionName</c> is missing here.
/// </summary>
internal static class OptionsTable
{
    public static IReadOnlyList<OptionsBinding> All { get; } =
    [
        Row<AcmeOptions>(AcmeOptions.SectionName),
        Row<AdminOptions>(AdminOptions.SectionName),
        Row<EdgeProxyAuthenticationOptions>(EdgeProxyAuthenticationOptions.SectionName),
        Row<EdgeProxyAuthorizationOptions>(EdgeProxyAuthorizationOptions.SectionName),
        Row<ClientCertificateOptions>(ClientCertificateOptions.SectionName),
        Row<RevocationOptions>(RevocationOptions.SectionName),
        Row<EdgeProxyOptions>(EdgeProxyOptions.SectionName),
        Row<ErrorPageOptions>(ErrorPageOptions.SectionName),
        Row<TrustedProxiesOptions>(TrustedProxiesOptions.SectionName),
        Row<MemoryOptions>(MemoryOptions.SectionName),
        Row<HstsOptions>(HstsOptions.SectionName),
        Row<AccessLogOptions>(AccessLogOptions.SectionName),
        Row<ConsoleLogOptions>(ConsoleLogOptions.SectionName),
        Row<TelemetryOptions>(TelemetryOptions.SectionName),
        Row<RateLimitingOptions>(RateLimitingOptions.SectionName),
        Row<RequestHeaderOptions>(RequestHeaderOptions.SectionName),
        Row<RetryOptions>(RetryOptions.SectionName),
        Row<StreamingOptions>(StreamingOptions.SectionName),
        Row<CertificatesOptions>(CertificatesOptions.SectionName),
        Row<HttpsRedirectOptions>(HttpsRedirectOptions.SectionName),
        Row<ListenerOptions>(ListenerOptions.SectionName),
    ];

    public static OptionsBinding Of(Type optionsType) =>
        All.FirstOrDefault(b => b.Type == optionsType) ?? throw new InvalidOperationException($"{optionsType.Name} is not in {nameof(OptionsTable)}");

    private static OptionsBinding Row<TOptions>(string section)
        where TOptions : class, new() =>
        new(typeof(TOptions), section, ReflectionBinder.Get<TOptions>, ReflectionBinder.Register<TOptions>, OptionsCheck.CheckOne<TOptions>);
}
