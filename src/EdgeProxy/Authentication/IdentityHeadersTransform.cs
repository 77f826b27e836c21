using System.Security.Claims;
using Yarp.ReverseProxy.Transforms;

namespace EdgeProxy.Authentication;

/// <summary>
/// On routes that ask for it, sets <c>X-Auth-Request-*</c> from the validated token's claims; optionally drops
/// Authorization. Inbound <c>X-Auth-Request-*</c> headers never get this far: the inbound header pass
/// (<see cref="RequestHeaders.InboundHeadersMiddleware"/>) removes them from every request with the other identity headers.
/// </summary>
internal sealed partial class IdentityHeadersTransform(bool stripAuthorization, bool setIdentity, IReadOnlyDictionary<string, JwtSchemeOptions> schemes, ILogger logger) : RequestTransform
{
    public override ValueTask ApplyAsync(RequestTransformContext context)
    {
        if (stripAuthorization)
        {
            RemoveHeader(context, "Authorization");
        }

        if (setIdentity && context.HttpContext.User.Identities.FirstOrDefault(i => i.IsAuthenticated && i.AuthenticationType is not null && schemes.ContainsKey(i.AuthenticationType)) is { } identity)
        {
            var settings = schemes[identity.AuthenticationType!];
            Set(context, IdentityHeaders.User, identity.FindAll(settings.UserClaim));
            Set(context, IdentityHeaders.Email, identity.FindAll(settings.EmailClaim));
            Set(context, IdentityHeaders.Groups, identity.FindAll(settings.GroupsClaim));
        }

        return ValueTask.CompletedTask;
    }

    private void Set(RequestTransformContext context, string header, IEnumerable<Claim> claims)
    {
        var value = string.Join(',', claims.Select(c => c.Value));
        if (value.Length == 0)
        {
            return;
        }

        // Claim values come from the issuer, often from what users typed; only visible ASCII goes in a header.
        if (!value.All(c => c is >= ' ' and <= '~'))
        {
            Log.ClaimNotSent(logger, header, context.HttpContext.ProxyFeature().Route.Config.RouteId);
            return;
        }

        AddHeader(context, header, value);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.AuthIdentityHeaderSkipped, LogLevel.Warning, "{Header} not sent on route {RouteId}: the claim holds characters that cannot go in an HTTP header")]
        public static partial void ClaimNotSent(ILogger logger, string header, string routeId);
    }
}
