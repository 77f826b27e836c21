namespace EdgeProxy.Observability;

/// <summary>The per-request access log (<c>EdgeProxy:AccessLog</c>), written as the <c>EdgeProxy.AccessLog</c> logger.</summary>
public sealed class AccessLogOptions
{
    /// <summary>The configuration section these options bind to: <c>EdgeProxy:AccessLog</c>.</summary>
    public const string SectionName = "EdgeProxy:AccessLog";

    /// <summary>Default <c>true</c>: one event per request on the public listeners.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Default <c>false</c>: the path is logged without its query string, which often carries tokens
    /// (<c>?token=</c>, <c>?code=</c>). Header values are never logged.
    /// </summary>
    public bool IncludeQueryString { get; set; }
}
