namespace EdgeProxy.Admin;

/// <summary>What <c>/readyz</c> answers: starting, ready, draining, or not ready while a listener is not bound.</summary>
internal sealed class ReadinessState
{
    private volatile int _state;
    private volatile string[] _unbound = [];

    public bool IsReady => _state == 1 && _unbound.Length == 0;

    public bool HasUnbound => _unbound.Length > 0;

    public string Describe() => _state switch
    {
        0 => "starting",
        1 when _unbound is { Length: > 0 } unbound => "not ready: " + string.Join("; ", unbound),
        1 => "ready",
        _ => "draining",
    };

    public void MarkReady() => Interlocked.CompareExchange(ref _state, 1, 0);

    public void MarkDraining() => _state = 2;

    /// <summary>Listeners the configuration names that Kestrel could not bind on the last reload (none: ready again).</summary>
    public void SetUnbound(IReadOnlyList<string> listeners) => _unbound = [.. listeners];
}
