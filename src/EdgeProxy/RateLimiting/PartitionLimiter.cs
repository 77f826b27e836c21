using System.Threading.RateLimiting;

namespace EdgeProxy.RateLimiting;

/// <summary>
/// One partition's ASP.NET Core limiter, wrapped to count its decisions and to leave its <see cref="PartitionTable"/>
/// when the partitioned limiter drops it. It forwards replenishment, so the partitioned limiter's 100-ms heartbeat
/// still refills windows and buckets (its limiters never replenish themselves).
/// </summary>
internal sealed class PartitionLimiter(RateLimiter inner, PartitionTable table, object value, Observability.EdgeProxyMetrics? metrics) : ReplenishingRateLimiter
{
    private int _released;

    public override bool IsAutoReplenishing => inner is not ReplenishingRateLimiter replenishing || replenishing.IsAutoReplenishing;

    public override TimeSpan ReplenishmentPeriod => inner is ReplenishingRateLimiter replenishing ? replenishing.ReplenishmentPeriod : TimeSpan.Zero;

    public override TimeSpan? IdleDuration => inner.IdleDuration;

    public override bool TryReplenish() => inner is ReplenishingRateLimiter replenishing && replenishing.TryReplenish();

    public override RateLimiterStatistics? GetStatistics() => inner.GetStatistics();

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        var lease = inner.AttemptAcquire(permitCount);
        if (lease.IsAcquired)
        {
            metrics?.RateLimitDecision(table.Policy, Observability.EdgeProxyMetrics.Allowed);
        }

        // A refusal here is not final: ASP.NET Core then waits with AcquireAsync, which queues or refuses.
        return lease;
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        var acquiring = inner.AcquireAsync(permitCount, cancellationToken);
        if (acquiring.IsCompletedSuccessfully)
        {
            Decide(acquiring.Result, queued: false);
            return acquiring;
        }

        return WaitAsync(acquiring);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            Release();
        }

        base.Dispose(disposing);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await inner.DisposeAsync();
        Release();
        await base.DisposeAsyncCore();
    }

    private async ValueTask<RateLimitLease> WaitAsync(ValueTask<RateLimitLease> acquiring)
    {
        var lease = await acquiring;
        Decide(lease, queued: true);
        return lease;
    }

    private void Decide(RateLimitLease lease, bool queued)
    {
        if (!lease.IsAcquired)
        {
            metrics?.RateLimitDecision(table.Policy, Observability.EdgeProxyMetrics.Rejected);
        }
        else if (queued)
        {
            metrics?.RateLimitDecision(table.Policy, Observability.EdgeProxyMetrics.Queued);
        }
        else
        {
            metrics?.RateLimitDecision(table.Policy, Observability.EdgeProxyMetrics.Allowed);
        }
    }

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            table.Released(value, this);
        }
    }
}
