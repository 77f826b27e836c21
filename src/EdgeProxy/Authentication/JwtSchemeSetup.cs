using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace EdgeProxy.Authentication;

/// <summary>Maps one <see cref="JwtSchemeOptions"/> onto the framework's <see cref="JwtBearerOptions"/>.</summary>
internal static class JwtSchemeSetup
{
    public static void Apply(JwtBearerOptions options, string scheme, JwtSchemeOptions settings, string contentRoot)
    {
        options.Authority = settings.Authority;
        options.MetadataAddress = settings.MetadataAddress ?? string.Empty; // empty: JwtBearer derives it from Authority
        options.RequireHttpsMetadata = settings.RequireHttpsMetadata;
        options.RefreshOnIssuerKeyNotFound = true;
        options.RefreshInterval = settings.RefreshInterval;
        options.AutomaticRefreshInterval = settings.AutomaticRefreshInterval;
        options.BackchannelTimeout = settings.MetadataTimeout;
        options.BackchannelHttpHandler = IssuerBackchannel.CreateHandler(settings, contentRoot);
        options.MapInboundClaims = false; // claim names stay as the issuer wrote them: policies say "sub", "email", "groups"
        options.IncludeErrorDetails = true;
        options.SaveToken = false;
        options.EventsType = typeof(JwtChallengeEvents);

        var validation = options.TokenValidationParameters;
        validation.AuthenticationType = scheme; // lets identity headers find the scheme's claim names
        validation.ValidAudiences = settings.Audiences;
        validation.ValidIssuers = [settings.Authority!, .. settings.ValidIssuers];
        validation.ValidAlgorithms = settings.EffectiveAlgorithms;
        validation.ClockSkew = settings.ClockSkew;
        validation.RequireSignedTokens = true;
        validation.RequireExpirationTime = true;
        validation.ValidateLifetime = true;
        validation.ValidateAudience = true;
        validation.ValidateIssuer = true;
        validation.NameClaimType = settings.UserClaim;
        validation.RoleClaimType = settings.RoleClaim;
    }
}
