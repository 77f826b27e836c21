namespace EdgeProxy.ForwardedHeaders;

/// <summary>The header a trusted peer's client chain is read from.</summary>
public enum ForwardedSource
{
    /// <summary><c>X-Forwarded-For</c> with <c>X-Forwarded-Proto/-Host/-Port/-Prefix</c>.</summary>
    XForwardedFor,

    /// <summary>RFC 7239 <c>Forwarded: for=...;proto=...;host=...</c>.</summary>
    Forwarded,
}
