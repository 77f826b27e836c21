namespace EdgeProxy.Hsts;

/// <summary>The owner for a host and the header EdgeProxy sends when it owns it (null: send none).</summary>
internal sealed record HstsPolicy(HstsOwner Owner, string? Value);
