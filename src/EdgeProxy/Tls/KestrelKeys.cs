using EdgeProxy.Configuration;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeProxy.Tls;

/// <summary>
/// The <c>Kestrel</c> keys of <see cref="KestrelServerOptions"/> (Limits, AddServerHeader ...), which Kestrel binds. The
/// listener keys (<c>Endpoints</c>, <c>Certificates</c>) are <see cref="ListenerOptions"/>, merged into the same section
/// by <see cref="ConfigModel"/>.
/// </summary>
internal static class KestrelKeys
{
    public const string SectionName = "Kestrel";

    public static SectionNode Build() =>
        (SectionNode)OptionsModel.Of(typeof(KestrelServerOptions), p => p.Name is nameof(KestrelServerOptions.ConfigurationLoader) ? OptionsModel.Skip : null);
}
