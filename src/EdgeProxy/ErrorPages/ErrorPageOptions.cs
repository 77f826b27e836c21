namespace EdgeProxy.ErrorPages;

/// <summary>What clients see when the upstream fails (<c>EdgeProxy:ErrorPages</c>).</summary>
public sealed class ErrorPageOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:ErrorPages</c>.</summary>
    public const string SectionName = "EdgeProxy:ErrorPages";

    /// <summary>
    /// Default <c>false</c>: the body names the route and the kind of failure only. <c>true</c> adds the
    /// destination address and the exception message, which reveals internal addresses: use it while
    /// debugging, not on the internet. The full reason is always in the log.
    /// </summary>
    public bool Detailed { get; set; }
}
