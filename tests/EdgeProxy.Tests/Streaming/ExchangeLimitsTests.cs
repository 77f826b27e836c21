using EdgeProxy.Streaming;
using Microsoft.Extensions.Time.Testing;

namespace EdgeProxy.Tests.Streaming;

/// <summary>
/// Every limit of an exchange on a fake clock: each fires at its exact millisecond, whether it waited in the shared
/// sweep first (far deadlines) or had a timer from the start (near ones), and nothing fires after the exchange ended.
/// </summary>
public sealed class ExchangeLimitsTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly ExchangeClock _clock;
    private readonly DeadlineSweep _sweep;
    private readonly Owner _owner = new();

    public ExchangeLimitsTests()
    {
        _clock = new ExchangeClock(_time);
        _sweep = new DeadlineSweep(DeadlineSweep.DefaultTick, DeadlineSweep.DefaultThreshold, clock: _clock);
    }

    public void Dispose() => _sweep.Dispose();

    [Fact]
    public void FarIdleLimit_WaitsInTheSweep_ThenFiresExactlyOnTime_CountingFromTheLastActivity()
    {
        var limits = Start(Policy(StreamMode.Sse, idle: TimeSpan.FromSeconds(30)));
        _sweep.Count.Should().Be(1, "30 s is beyond the 10-s threshold: no timer of its own yet");

        Advance(TimeSpan.FromSeconds(15));
        limits.Touch();
        Advance(TimeSpan.FromSeconds(29) + TimeSpan.FromMilliseconds(999));
        _owner.Ends.Should().BeEmpty("30 s have not passed since the activity at 15 s");
        _sweep.Count.Should().Be(0, "the deadline came within the threshold: it has its own timer now");

        Advance(TimeSpan.FromMilliseconds(1));
        _owner.Ends.Should().Equal(StreamEnd.IdleTimeout);
        limits.End.Should().Be(StreamEnd.IdleTimeout);
    }

    [Fact]
    public void TotalLimit_FiresAtItsTimeWhateverTheActivity_AndASwitchToAStreamPolicyDropsIt()
    {
        var ordinary = Start(Policy(StreamMode.Auto, idle: TimeSpan.FromMinutes(5), total: TimeSpan.FromSeconds(3)));
        for (var i = 0; i < 29; i++)
        {
            Advance(TimeSpan.FromMilliseconds(100));
            ordinary.Touch();
        }

        _owner.Ends.Should().BeEmpty();
        Advance(TimeSpan.FromMilliseconds(100));
        _owner.Ends.Should().Equal(StreamEnd.RequestTimeout);

        var switched = new Owner();
        var stream = Start(Policy(StreamMode.Auto, idle: TimeSpan.FromMinutes(5), total: TimeSpan.FromSeconds(3)), switched);
        Advance(TimeSpan.FromSeconds(1));
        stream.Touch(); // the response headers
        stream.Switch(Policy(StreamMode.Sse, idle: TimeSpan.FromSeconds(4)));
        Advance(TimeSpan.FromSeconds(3));
        switched.Ends.Should().BeEmpty("a stream has no total limit");
        Advance(TimeSpan.FromSeconds(2));
        switched.Ends.Should().Equal(StreamEnd.IdleTimeout);
    }

    [Fact]
    public void MaxDuration_EndsABusyStream()
    {
        var limits = Start(Policy(StreamMode.WebSocket, idle: TimeSpan.FromSeconds(2), max: TimeSpan.FromSeconds(5)));
        for (var i = 0; i < 49; i++)
        {
            Advance(TimeSpan.FromMilliseconds(100));
            limits.Touch();
        }

        _owner.Ends.Should().BeEmpty();
        Advance(TimeSpan.FromMilliseconds(100));
        _owner.Ends.Should().Equal(StreamEnd.MaxDuration);
    }

    [Fact]
    public void Heartbeats_FillUpstreamSilenceOnly_AndDoNotCountAsActivity()
    {
        var limits = Start(Policy(StreamMode.Sse, idle: TimeSpan.FromSeconds(10), heartbeat: TimeSpan.FromSeconds(3)));
        _owner.CanHeartbeat = true;

        Advance(TimeSpan.FromSeconds(2));
        _owner.LastUpstreamWrite = _clock.Now; // the upstream wrote at 2 s
        limits.Touch();
        Advance(TimeSpan.FromSeconds(3) - TimeSpan.FromMilliseconds(1));
        _owner.Heartbeats.Should().Be(0, "3 s of silence have not passed since the write at 2 s");
        Advance(TimeSpan.FromMilliseconds(1));
        _owner.Heartbeats.Should().Be(1);
        Advance(TimeSpan.FromSeconds(3));
        _owner.Heartbeats.Should().Be(2);
        Advance(TimeSpan.FromSeconds(4));
        _owner.Ends.Should().Equal([StreamEnd.IdleTimeout], "10 s after the last real activity (2 s): heartbeats are not traffic");
        _owner.Heartbeats.Should().Be(3);
        limits.HeartbeatSent.Should().BeTrue();
    }

    [Fact]
    public void StoppedExchange_GetsNoCallback_AndLeavesNothingInTheSweep()
    {
        var limits = Start(Policy(StreamMode.Ndjson, idle: TimeSpan.FromSeconds(20)));
        _sweep.Count.Should().Be(1);

        limits.Stop();
        Advance(TimeSpan.FromMinutes(1));

        _sweep.Count.Should().Be(0);
        _owner.Ends.Should().BeEmpty();
        limits.TryEnd(StreamEnd.Shutdown).Should().BeFalse("the exchange is over");
        limits.Release(tokenMayBeInUse: false);
        limits.Release(tokenMayBeInUse: false); // twice is harmless
    }

    private static StreamPolicy Policy(StreamMode mode, TimeSpan? idle = null, TimeSpan? total = null, TimeSpan? max = null, TimeSpan? heartbeat = null) =>
        new(mode.ToString(), mode, idle, max, total, heartbeat, null);

    private ExchangeLimits Start(StreamPolicy policy, Owner? owner = null)
    {
        var limits = new ExchangeLimits(owner ?? _owner, _clock, _sweep, clusterActivityTimeout: null, policy);
        (owner ?? _owner).LastUpstreamWrite = _clock.Now;
        limits.Start();
        return limits;
    }

    /// <summary>Moves the fake clock in steps no longer than the sweep's tick, as real time would pass.</summary>
    private void Advance(TimeSpan by)
    {
        var step = TimeSpan.FromMilliseconds(50);
        for (var left = by; left > TimeSpan.Zero; left -= step)
        {
            _time.Advance(left < step ? left : step);
        }
    }

    private sealed class Owner : IExchangeLimitsOwner
    {
        public long LastUpstreamWrite { get; set; }

        public bool CanHeartbeat { get; set; }

        public int Heartbeats { get; private set; }

        public List<StreamEnd> Ends { get; } = [];

        public void HeartbeatDue() => Heartbeats++;

        public void LimitReached(StreamEnd end) => Ends.Add(end);
    }
}
