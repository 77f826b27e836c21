namespace EdgeProxy.Hosting;

/// <summary>
/// Why reflection over EdgeProxy's, Kestrel's, YARP's and Serilog's own types is safe in a native-AOT build: the project
/// roots those assemblies (<c>TrimmerRootAssembly</c> in EdgeProxy.csproj), so their members are all kept. Used as the
/// justification of each such suppression; the trim and AOT analyzers run in every build, so any other reflection is a
/// build error.
/// </summary>
internal static class Trimming
{
    public const string RootedAssemblies = "EdgeProxy.csproj roots EdgeProxy, Kestrel.Core, YARP and the Serilog assemblies in a native-AOT build (TrimmerRootAssembly), so every member read here is kept.";
}
