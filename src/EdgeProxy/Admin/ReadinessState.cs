namespace EdgeProxy.Admin;

/// <summary>Starting → Ready (config loaded, listeners bound) → Draining (SIGTERM received).</summary>
internal sealed class ReadinessState
{
    private volatile int _state;

    public bool IsReady => _state == 1;

    public string Describe() => _state switch
    {
        0 => "starting",
        1 => "ready",
        _ => "draining",
    };

    public void MarkReady() => Interlocked.CompareExchange(ref _state, 1, 0);

    public void MarkDraining() => _state = 2;
}
