using EdgeProxy.ErrorPages;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeProxy.Retries;

/// <summary>
/// Keeps a try that failed by the client's doing (it cancelled, its body broke off, it stopped reading the response)
/// out of YARP's passive health checks, which count every forwarder error against the destination: otherwise any
/// client could eject destinations by aborting requests. The error is hidden from the policy only; the retry step and
/// the error page see it as before (such errors are never tried again: <see cref="FailureKinds"/> calls them Final).
/// </summary>
internal static class ClientFaultShield
{
    /// <summary>Registers <paramref name="passiveHealthChecks"/> between a step that hides a client-side error from it and one that gives the error back.</summary>
    public static void UseClientFaultShield(this IReverseProxyApplicationBuilder proxy, Action<IReverseProxyApplicationBuilder> passiveHealthChecks)
    {
        proxy.Use(static async (context, next) =>
        {
            await next(context);
            if (context.Features.Get<HiddenClientFault>() is { } hidden)
            {
                context.Features.Set<HiddenClientFault>(null);
                context.Features.Set(hidden.Error);
            }
        });
        passiveHealthChecks(proxy);
        proxy.Use(static async (context, next) =>
        {
            await next(context);
            if (context.Features.Get<IForwarderErrorFeature>() is { } error && UpstreamErrorPage.IsClientSide(error.Error))
            {
                context.Features.Set<IForwarderErrorFeature>(null);
                context.Features.Set(new HiddenClientFault(error));
            }
        });
    }

    private sealed record HiddenClientFault(IForwarderErrorFeature Error);
}
