using EdgeProxy.Configuration;

namespace EdgeProxy.Authentication;

/// <summary>
/// One bearer-token issuer under <c>EdgeProxy:Authentication:Jwt:&lt;scheme&gt;</c>, validated by ASP.NET Core's
/// JwtBearer handler with keys from the issuer's OpenID Connect discovery document and JWKS.
/// Changes take effect on restart.
/// </summary>
public sealed class JwtSchemeOptions
{
    /// <summary>Asymmetric algorithms accepted when <see cref="Algorithms"/> is not set.</summary>
    public static readonly string[] AsymmetricAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    /// <summary>
    /// Required. The issuer's public URL (the <c>iss</c> its tokens carry). Discovery is fetched from
    /// <c>{Authority}/.well-known/openid-configuration</c> unless <see cref="MetadataAddress"/> says otherwise.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>
    /// Default none. The discovery document's URL when EdgeProxy reaches the issuer on an internal address
    /// (e.g. <c>http://keycloak:8080/realms/x/.well-known/openid-configuration</c>) while tokens name the public
    /// <see cref="Authority"/>.
    /// </summary>
    public string? MetadataAddress { get; set; }

    /// <summary>Required: the <c>aud</c> values this proxy accepts. A token for any other audience gets 401.</summary>
    public string[] Audiences { get; set; } = [];

    /// <summary>
    /// Default: <see cref="Authority"/> (and the <c>issuer</c> of the discovery document). Extra <c>iss</c>
    /// values to accept.
    /// </summary>
    public string[] ValidIssuers { get; set; } = [];

    /// <summary>
    /// Default true: discovery and JWKS only over HTTPS. false allows plain HTTP (check WARNs): anyone on the path
    /// could then substitute signing keys.
    /// </summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Default 1m: tolerance for <c>exp</c> and <c>nbf</c> between our clock and the issuer's.</summary>
    public Duration ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Default (empty) the asymmetric set RS*, PS*, ES*. <c>none</c> and HS* are refused: keys come from a public
    /// JWKS, so a symmetric algorithm would let anyone holding the public key sign tokens.
    /// </summary>
    public string[] Algorithms { get; set; } = [];

    /// <summary>The algorithms in force: <see cref="Algorithms"/>, or the asymmetric set when empty.</summary>
    internal string[] EffectiveAlgorithms => Algorithms.Length > 0 ? Algorithms : AsymmetricAlgorithms;

    /// <summary>
    /// Default 1m (minimum 1s): a token signed with an unknown <c>kid</c> triggers a JWKS refresh at most this
    /// often, so a flood of forged kids cannot hammer the issuer.
    /// </summary>
    public Duration RefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Default 12h (minimum 5m): how often discovery and JWKS are refreshed regardless.</summary>
    public Duration AutomaticRefreshInterval { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Default 10s: timeout for each discovery or JWKS request.</summary>
    public Duration MetadataTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Default none (the system's trusted roots). A PEM file of CA certificates: when set, the issuer's TLS
    /// certificate must chain to one of these and nothing else, e.g. an internal CA.
    /// </summary>
    public string? CaBundle { get; set; }

    /// <summary>Default <c>sub</c>: the claim sent as <c>X-Auth-Request-User</c>.</summary>
    public string UserClaim { get; set; } = "sub";

    /// <summary>Default <c>email</c>: the claim sent as <c>X-Auth-Request-Email</c>.</summary>
    public string EmailClaim { get; set; } = "email";

    /// <summary>Default <c>groups</c>: the claim (string or array) sent comma-joined as <c>X-Auth-Request-Groups</c>.</summary>
    public string GroupsClaim { get; set; } = "groups";

    /// <summary>Default <c>roles</c>: the claim policies' <c>Roles</c> are checked against.</summary>
    public string RoleClaim { get; set; } = "roles";
}
