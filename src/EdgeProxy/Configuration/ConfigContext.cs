using EdgeProxy.Tls;

namespace EdgeProxy.Configuration;

/// <summary>
/// What validators need beside their own options: the folder relative paths resolve against, and the listeners
/// (<see cref="ListenerOptions"/> as <see cref="EndpointReader"/> reads them) as configured now.
/// </summary>
internal sealed record ConfigContext(string ContentRoot, Func<IReadOnlyList<EndpointSpec>> Endpoints);
