using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;
using Microsoft.Net.Http.Headers;

namespace EdgeProxy.Authentication;

/// <summary>
/// EdgeProxy's hooks into JwtBearer: fail closed with 503 when the issuer's keys cannot be had, an RFC 6750
/// <c>error_description</c> for every rejected token, and <c>insufficient_scope</c> on 403.
/// </summary>
internal sealed partial class JwtChallengeEvents(IssuerStatus issuers, ILogger<JwtChallengeEvents> logger) : JwtBearerEvents
{
    private const string UnavailableItem = "EdgeProxy.Authentication.IssuerUnavailable";

    public override async Task MessageReceived(MessageReceivedContext context)
    {
        // Without a bearer token there is nothing to validate: a plain 401, whatever the issuer's state.
        if (context.Options.ConfigurationManager is not { } manager || !HasBearerToken(context.Request))
        {
            return;
        }

        // Asked here, not inside token validation, because IdentityModel swallows a failed fetch there and
        // reports "signature key not found" — a 401 that blames the client for our outage.
        if (await issuers.TryGetAsync(context.Scheme.Name, manager, context.Options.MetadataAddress!, context.HttpContext.RequestAborted) is null)
        {
            context.HttpContext.Items[UnavailableItem] = context.Scheme.Name;
            context.Fail("the token issuer's discovery document or keys cannot be fetched");
        }
    }

    public override Task AuthenticationFailed(AuthenticationFailedContext context)
    {
        Log.TokenRejected(logger, context.Scheme.Name, context.Request.Path.Value ?? "/", Unwrap(context.Exception).GetType().Name);
        return Task.CompletedTask;
    }

    public override async Task Challenge(JwtBearerChallengeContext context)
    {
        if (context.HttpContext.Items.ContainsKey(UnavailableItem))
        {
            context.HandleResponse();
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                context.Response.Headers.RetryAfter = "5";
                context.Response.Headers.CacheControl = "no-store";
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync("503 Service Unavailable: the token issuer cannot be reached; try again shortly\n", context.HttpContext.RequestAborted);
            }

            return;
        }

        if (context.AuthenticateFailure is { } failure && (string.IsNullOrEmpty(context.ErrorDescription) || Unwrap(failure) is SecurityTokenInvalidAudienceException { InvalidAudience: null }))
        {
            // IdentityModel leaves InvalidAudience null when aud is a list: the framework would say "The audience '(null)' is invalid".
            context.ErrorDescription = Describe(Unwrap(failure));
        }

        // The framework quotes token values (iss, aud) into the description; a quote or control character
        // there would break the header or make Kestrel refuse to send it.
        context.ErrorDescription = HeaderSafe(context.ErrorDescription);
        if (context.AuthenticateFailure is not null && !string.IsNullOrEmpty(context.ErrorDescription))
        {
            context.HttpContext.Items[AuthorizationRefusals.TokenProblemItem] = context.ErrorDescription;
        }
    }

    public override Task Forbidden(ForbiddenContext context)
    {
        if (!context.Response.Headers.ContainsKey(HeaderNames.WWWAuthenticate))
        {
            context.Response.Headers.Append(HeaderNames.WWWAuthenticate, "Bearer error=\"insufficient_scope\", error_description=\"The token does not satisfy this route's authorization policy\"");
        }

        return Task.CompletedTask;
    }

    internal static bool HasBearerToken(HttpRequest request) =>
        request.Headers.Authorization.ToString() is { Length: > 7 } value && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && value.AsSpan(7).Trim().Length > 0;

    private static Exception Unwrap(Exception failure) => failure is AggregateException { InnerExceptions.Count: > 0 } aggregate ? aggregate.InnerExceptions[0] : failure;

    private static string Describe(Exception failure) => failure switch
    {
        SecurityTokenInvalidAudienceException => "The token's audience is not accepted here",
        SecurityTokenMalformedException or ArgumentException => "The token is malformed",
        SecurityTokenInvalidAlgorithmException => "The token's signing algorithm is not accepted",
        SecurityTokenSignatureKeyNotFoundException => "The signature key was not found",
        SecurityTokenInvalidSignatureException => "The signature is invalid",
        _ => "The token is invalid",
    };

    private static string? HeaderSafe(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        return string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = c is >= ' ' and <= '~' and not '"' and not '\\' ? c : '?';
            }
        });
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.AuthTokenRejected, LogLevel.Debug, "Scheme {Scheme}: token rejected on {Path}: {Failure}")]
        public static partial void TokenRejected(ILogger logger, string scheme, string path, string failure);
    }
}
