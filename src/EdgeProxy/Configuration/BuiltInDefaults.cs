namespace EdgeProxy.Configuration;

/// <summary>
/// The lowest configuration layer: what EdgeProxy does when the operator's file says nothing.
/// Documented key by key in <c>config/appsettings.reference.json</c>.
/// </summary>
internal static class BuiltInDefaults
{
    /// <summary>
    /// Listeners used only when no layer names any endpoint. Not a layer of their own: merged with a file
    /// that names only an Https listener, they would silently add an Http one on *:8080.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> Endpoints { get; } = new Dictionary<string, string?>
    {
        ["Kestrel:Endpoints:Http:Url"] = "http://*:8080",
        ["Kestrel:Endpoints:Https:Url"] = "https://*:8443",
    };

    public static IReadOnlyDictionary<string, string?> Values { get; } = new Dictionary<string, string?>
    {
        ["Kestrel:AddServerHeader"] = "false",
        ["Serilog:MinimumLevel:Default"] = "Information",
        ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Warning",
        ["Serilog:MinimumLevel:Override:Microsoft.Hosting.Lifetime"] = "Information",
        ["Serilog:MinimumLevel:Override:Yarp"] = "Warning",
        ["Serilog:MinimumLevel:Override:System.Net.Http"] = "Warning",
        // Keys for YARP's affinity cookies live unencrypted under DataPath/keys by design; don't warn every start.
        ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore.DataProtection"] = "Error",
    };
}
