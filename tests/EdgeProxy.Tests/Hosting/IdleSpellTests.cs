using EdgeProxy.Hosting;

namespace EdgeProxy.Tests.Hosting;

/// <summary>When memory is returned: only after a busy spell, only once the idle time has passed, once per spell.</summary>
public sealed class IdleSpellTests
{
    private static readonly TimeSpan After = TimeSpan.FromSeconds(30);
    private const long Mb = 1024 * 1024;

    [Fact]
    public void ABusySpell_FollowedByTheIdleTime_ReturnsOnce_AndNotAgainWithoutAnotherSpell()
    {
        var spell = new IdleSpell(0, TimeSpan.Zero);
        spell.Observe(40 * Mb, S(5), After).Should().BeFalse("still busy");
        spell.Observe(40 * Mb + 100_000, S(10), After).Should().BeFalse("idle for 5 s");
        spell.Observe(40 * Mb + 200_000, S(30), After).Should().BeFalse("idle for 25 s");
        spell.Observe(40 * Mb + 300_000, S(35), After).Should().BeTrue("idle for 30 s after 40 MB");
        spell.Observe(40 * Mb + 400_000, S(40), After).Should().BeFalse("returned already: the count starts again");
        spell.Observe(40 * Mb + 500_000, S(400), After).Should().BeFalse("idle ever since: nothing new to return");
    }

    [Fact]
    public void LightTraffic_ThatNeverAddsUpToABusySpell_NeverReturns()
    {
        var spell = new IdleSpell(0, TimeSpan.Zero);
        for (var t = 5; t <= 150; t += 5)
        {
            spell.Observe(t / 5 * Mb, S(t), After).Should().BeFalse($"{t / 5} MB allocated by {t} s, under {IdleSpell.BusyBytes / Mb} MB");
        }
    }

    [Fact]
    public void TrafficDuringTheIdleTime_StartsItAgain()
    {
        var spell = new IdleSpell(0, TimeSpan.Zero);
        spell.Observe(40 * Mb, S(5), After).Should().BeFalse();
        spell.Observe(40 * Mb, S(30), After).Should().BeFalse("idle 25 s");
        spell.Observe(50 * Mb, S(32), After).Should().BeFalse("10 MB in 2 s: busy again");
        spell.Observe(50 * Mb, S(60), After).Should().BeFalse("idle 28 s since");
        spell.Observe(50 * Mb, S(62), After).Should().BeTrue("idle 30 s since the last busy check");
    }

    [Fact]
    public void Zero_NeverReturns()
    {
        var spell = new IdleSpell(0, TimeSpan.Zero);
        spell.Observe(100 * Mb, S(5), TimeSpan.Zero).Should().BeFalse();
        spell.Observe(100 * Mb, S(3600), TimeSpan.Zero).Should().BeFalse("0 turns returning off");
    }

    [Theory]
    [InlineData(0, 5000)]
    [InlineData(2, 1000)]
    [InlineData(10, 2500)]
    [InlineData(30, 5000)]
    [InlineData(3600, 5000)]
    public void ChecksComeAQuarterOfTheIdleTimeApart_Within1To5Seconds(int seconds, int expectedMs) =>
        MemoryReturn.CheckInterval(TimeSpan.FromSeconds(seconds)).Should().Be(TimeSpan.FromMilliseconds(expectedMs));

    private static TimeSpan S(int seconds) => TimeSpan.FromSeconds(seconds);
}
