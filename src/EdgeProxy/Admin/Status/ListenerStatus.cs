namespace EdgeProxy.Admin.Status;

/// <summary>A listener: its config name, kind, configured address, bound port, and the config keys of the certificates it serves (the default one and each SNI entry's).</summary>
internal sealed record ListenerStatus(string Name, string Kind, string Address, int Port, IReadOnlyList<string> Certificates);
