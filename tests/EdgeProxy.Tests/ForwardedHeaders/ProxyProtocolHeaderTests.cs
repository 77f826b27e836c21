using System.Buffers;
using System.Text;
using EdgeProxy.ForwardedHeaders;

namespace EdgeProxy.Tests.ForwardedHeaders;

/// <summary>The PROXY header parser on byte boundaries a socket can produce: partial reads, segmented buffers, oversize.</summary>
public sealed class ProxyProtocolHeaderTests
{
    private static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ProxyProtocolHeader.Status Parse(byte[] bytes, out ProxyProtocolHeader header, out int length) =>
        ProxyProtocolHeader.TryParse(new ReadOnlySequence<byte>(bytes), out header, out length, out _);

    [Theory]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("PROXY")]
    [InlineData("PROXY TCP4 203.0.113.7 127.0.0.1 4711 443")]
    [InlineData("PROXY TCP4 203.0.113.7 127.0.0.1 4711 443\r")]
    public void V1_Partial_IsIncomplete(string text) =>
        Parse(Encoding.ASCII.GetBytes(text), out _, out _).Should().Be(ProxyProtocolHeader.Status.Incomplete);

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n")]
    [InlineData("\u0016\u0003\u0001")] // a TLS ClientHello: the peer does not speak PROXY protocol
    [InlineData("PROXX")]
    [InlineData("PROXY TCP4 203.0.113.7 127.0.0.1 4711 0443\r\n")]
    [InlineData("PROXY TCP4  203.0.113.7 127.0.0.1 4711 443\r\n")]
    [InlineData("PROXY UDP4 203.0.113.7 127.0.0.1 4711 443\r\n")]
    public void V1_Bad_IsInvalid(string text) =>
        Parse(Encoding.ASCII.GetBytes(text), out _, out _).Should().Be(ProxyProtocolHeader.Status.Invalid);

    [Fact]
    public void V1_Complete_ReportsLengthAndAddresses_AndLeavesTheRest()
    {
        var bytes = Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.7 127.0.0.1 4711 443\r\nGET / HTTP/1.1\r\n");

        Parse(bytes, out var header, out var length).Should().Be(ProxyProtocolHeader.Status.Complete);

        length.Should().Be("PROXY TCP4 203.0.113.7 127.0.0.1 4711 443\r\n".Length);
        header.Source!.ToString().Should().Be("203.0.113.7:4711");
        header.Destination!.ToString().Should().Be("127.0.0.1:443");
    }

    [Fact]
    public void V2_EveryPrefix_IsIncomplete_ThenComplete_AcrossSegments()
    {
        byte[] full = [.. Signature, 0x21, 0x11, 0x00, 0x0C, 203, 0, 113, 7, 127, 0, 0, 1, 0x12, 0x67, 0x01, 0xBB];
        for (var i = 0; i < full.Length; i++)
        {
            Parse(full[..i], out _, out _).Should().Be(ProxyProtocolHeader.Status.Incomplete, $"{i} bytes");
        }

        var segmented = Segments(full, 5);
        ProxyProtocolHeader.TryParse(segmented, out var header, out var length, out _).Should().Be(ProxyProtocolHeader.Status.Complete);
        length.Should().Be(full.Length);
        header.Source!.ToString().Should().Be("203.0.113.7:4711");
    }

    [Fact]
    public void V2_Oversize_IsInvalid_WithoutWaitingForTheBytes()
    {
        byte[] start = [.. Signature, 0x21, 0x11, 0xFF, 0xFF];

        Parse(start, out _, out _).Should().Be(ProxyProtocolHeader.Status.Invalid);
    }

    [Fact]
    public void V2_BadSignature_IsInvalid()
    {
        byte[] bytes = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0B];

        Parse(bytes, out _, out _).Should().Be(ProxyProtocolHeader.Status.Invalid);
    }

    [Fact]
    public void V2_Unix_KeepsConnectionAddress()
    {
        var payload = new byte[216];
        byte[] bytes = [.. Signature, 0x21, 0x31, 0x00, 0xD8, .. payload];

        Parse(bytes, out var header, out var length).Should().Be(ProxyProtocolHeader.Status.Complete);
        header.Source.Should().BeNull();
        length.Should().Be(bytes.Length);
    }

    private static ReadOnlySequence<byte> Segments(byte[] bytes, int size)
    {
        Segment? first = null;
        Segment? last = null;
        for (var i = 0; i < bytes.Length; i += size)
        {
            var memory = bytes.AsMemory(i, Math.Min(size, bytes.Length - i));
            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
