namespace EdgeProxy.Tls;

internal static class MisdirectedRequestExtensions
{
    /// <summary>421 for a request whose Host names a server name under other TLS settings than its connection's; see <see cref="MisdirectedRequestMiddleware"/>.</summary>
    public static IApplicationBuilder UseMisdirectedRequests(this IApplicationBuilder app) => app.UseMiddleware<MisdirectedRequestMiddleware>();
}
