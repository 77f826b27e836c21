using EdgeProxy.Tls;

namespace EdgeProxy.Configuration;

/// <summary>
/// What validators need beside their own options: the folder relative paths resolve against, and the listeners
/// (from <c>Kestrel:Endpoints</c>, which is not an options type) as configured now.
/// </summary>
internal sealed record ConfigContext(string ContentRoot, Func<IReadOnlyList<EndpointSpec>> Endpoints);
