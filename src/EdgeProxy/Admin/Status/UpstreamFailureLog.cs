using EdgeProxy.Observability;

namespace EdgeProxy.Admin.Status;

/// <summary>
/// The last upstream failures, for the status page. Written only when a request's last try failed (the path that
/// already logs a warning), so requests that succeed never touch it; a fixed ring, so an outage cannot grow it.
/// </summary>
internal sealed class UpstreamFailureLog(TimeProvider time)
{
    public const int Capacity = 20;

    private readonly UpstreamFailureEntry[] _ring = new UpstreamFailureEntry[Capacity];
    private readonly Lock _gate = new();
    private int _next;
    private int _count;

    public void Record(string route, string cluster, string destination, string failure)
    {
        var entry = new UpstreamFailureEntry(time.GetUtcNow(), route, cluster, SafeAddress.Of(destination), failure);
        lock (_gate)
        {
            _ring[_next] = entry;
            _next = (_next + 1) % Capacity;
            _count = Math.Min(_count + 1, Capacity);
        }
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<UpstreamFailureEntry> Recent()
    {
        lock (_gate)
        {
            var list = new List<UpstreamFailureEntry>(_count);
            for (var i = 1; i <= _count; i++)
            {
                list.Add(_ring[(_next - i + Capacity) % Capacity]);
            }

            return list;
        }
    }
}
