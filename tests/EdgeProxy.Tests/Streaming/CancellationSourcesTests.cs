using EdgeProxy.Streaming;

namespace EdgeProxy.Tests.Streaming;

public sealed class CancellationSourcesTests
{
    [Fact]
    public void CancelledSource_IsDisposed_NotPooled()
    {
        var source = CancellationSources.Rent();
        source.Cancel();

        CancellationSources.Return(source);

        var token = () => source.Token;
        token.Should().Throw<ObjectDisposedException>("a cancelled source cannot be reset, so it must never reach another exchange");
    }

    [Fact]
    public void UncancelledSource_IsKept_WithItsRegistrationsDropped()
    {
        var source = new CancellationTokenSource();
        var fired = false;
        source.Token.Register(() => fired = true);

        CancellationSources.Return(source);

        source.Token.CanBeCanceled.Should().BeTrue("it is pooled, not disposed");
        source.IsCancellationRequested.Should().BeFalse();
        var reset = new CancellationTokenSource();
        reset.Token.Register(() => fired = true);
        reset.TryReset().Should().BeTrue();
        reset.Cancel();
        fired.Should().BeFalse("a reset drops the last exchange's callbacks (what Return relies on)");
    }
}
