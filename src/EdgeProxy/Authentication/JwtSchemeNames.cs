namespace EdgeProxy.Authentication;

/// <summary>The JWT schemes registered at start (scheme changes take effect on restart; policies reload live).</summary>
internal sealed record JwtSchemeNames(IReadOnlyList<string> Names);
