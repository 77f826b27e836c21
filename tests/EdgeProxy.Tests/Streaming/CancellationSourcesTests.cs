using EdgeProxy.Streaming;

namespace EdgeProxy.Tests.Streaming;

public sealed class CancellationSourcesTests
{
    [Fact]
    public void CancelledSource_IsDisposed_NotPooled()
    {
        var pool = new CancellationSources();
        var source = pool.Rent();
        source.Cancel();

        pool.Return(source);

        var token = () => source.Token;
        token.Should().Throw<ObjectDisposedException>("a cancelled source cannot be reset, so it must never reach another exchange");
        pool.Rent().Should().NotBeSameAs(source);
    }

    [Fact]
    public void UncancelledSource_ComesBack_WithoutTheLastExchangesCallbacks()
    {
        var pool = new CancellationSources();
        var source = pool.Rent();
        var fired = false;
        source.Token.Register(() => fired = true);

        pool.Return(source);
        var again = pool.Rent();
        again.Cancel();

        again.Should().BeSameAs(source, "it was pooled, not disposed");
        fired.Should().BeFalse("the reset dropped the last exchange's callbacks");
    }

    [Fact]
    public void FullPool_DisposesWhatItCannotKeep()
    {
        var pool = new CancellationSources(maxPooled: 1);
        var kept = new CancellationTokenSource();
        var extra = new CancellationTokenSource();

        pool.Return(kept);
        pool.Return(extra);

        var token = () => extra.Token;
        token.Should().Throw<ObjectDisposedException>();
        pool.Rent().Should().BeSameAs(kept);
    }
}
