namespace EdgeProxy.Admin.Status;

/// <summary>A destination: <c>Health</c> is <c>unhealthy</c> when YARP's active or passive check says so, <c>healthy</c> when one says so, else <c>unknown</c>; <c>InFlight</c> is YARP's count of requests proxied to it now. The address has no user info or query.</summary>
internal sealed record DestinationStatus(string Id, string Address, string Health, string Active, string Passive, int InFlight);
