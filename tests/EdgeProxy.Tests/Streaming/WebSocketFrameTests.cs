using System.Buffers.Binary;
using EdgeProxy.Streaming;

namespace EdgeProxy.Tests.Streaming;

public sealed class WebSocketFrameTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Tracker_SeesABoundaryExactlyAtEveryFrameEnd_HoweverTheBytesAreSplit(int seed)
    {
        var random = new Random(seed);
        var (stream, frames) = RandomFrames(random, 60);
        var ends = new HashSet<int>(frames.Select(f => f.End)) { 0 };

        // Byte by byte: the boundary is known after each byte.
        var tracker = default(WebSocketFrameTracker);
        tracker.AtBoundary.Should().BeTrue();
        var wrong = new List<int>();
        for (var i = 0; i < stream.Length; i++)
        {
            tracker.Feed(stream.AsSpan(i, 1));
            if (tracker.AtBoundary != ends.Contains(i + 1))
            {
                wrong.Add(i + 1);
            }
        }

        wrong.Should().BeEmpty("the boundary must be known after every single byte");

        // Random chunks, as a network delivers them.
        tracker = default;
        var position = 0;
        while (position < stream.Length)
        {
            var size = Math.Min(stream.Length - position, random.Next(1, 70_000));
            tracker.Feed(stream.AsSpan(position, size));
            position += size;
            tracker.AtBoundary.Should().Be(ends.Contains(position), $"after {position} bytes");
        }
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    [InlineData(15)]
    public void PongFilter_RemovesOnlyPongsAnsweringTheProxy_AndKeepsEveryOtherByteInOrder(int seed)
    {
        var random = new Random(seed);
        var (stream, frames) = RandomFrames(random, 80, masked: true);
        var expected = frames.Where(f => !f.OurPong).SelectMany(f => stream[f.Start..f.End]).ToArray();
        frames.Count(f => f.OurPong).Should().BeGreaterThan(0);
        frames.Count(f => f.Opcode == WebSocketFrames.OpcodePong && !f.OurPong).Should().BeGreaterThan(0);

        foreach (var maxChunk in new[] { 1, 3, 20, 5000, 70_000 })
        {
            var filter = new PongFilter();
            var output = new List<byte>();
            var position = 0;
            while (position < stream.Length)
            {
                var size = Math.Min(stream.Length - position, random.Next(1, maxChunk + 1));
                var buffer = new byte[size + PongFilter.MaxHeld];
                var written = filter.Process(stream.AsSpan(position, size), buffer);
                output.AddRange(buffer[..written]);
                position += size;
            }

            var tail = new byte[PongFilter.MaxHeld];
            output.AddRange(tail[..filter.Flush(tail)]);
            output.ToArray().Should().Equal(expected, $"chunks up to {maxChunk} bytes");
            filter.PongsConsumed.Should().Be(frames.Count(f => f.OurPong));
        }
    }

    [Fact]
    public void PongFilter_AtEndOfStream_PassesOnACutOffFrameUnchanged()
    {
        var frame = Frame(WebSocketFrames.OpcodePong, [.. WebSocketFrames.PingPayload], mask: [1, 2, 3, 4]);
        var cut = frame[..10];
        var filter = new PongFilter();
        var buffer = new byte[cut.Length + PongFilter.MaxHeld];

        var written = filter.Process(cut, buffer);
        written += filter.Flush(buffer.AsSpan(written));

        buffer[..written].Should().Equal(cut);
    }

    [Fact]
    public void CloseFrame_CarriesCodeAndReason()
    {
        var frame = WebSocketFrames.Close(1001, "EdgeProxy is shutting down");

        frame[0].Should().Be(0x88);
        frame[1].Should().Be((byte)(frame.Length - 2));
        BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(2)).Should().Be(1001);
        System.Text.Encoding.UTF8.GetString(frame, 4, frame.Length - 4).Should().Be("EdgeProxy is shutting down");
    }

    private static (byte[] Stream, List<FrameInfo> Frames) RandomFrames(Random random, int count, bool masked = false)
    {
        var bytes = new List<byte>();
        var frames = new List<FrameInfo>();
        for (var i = 0; i < count; i++)
        {
            var kind = random.Next(10);
            byte opcode;
            byte[] payload;
            var ours = false;
            switch (kind)
            {
                case 0:
                    opcode = WebSocketFrames.OpcodePing;
                    payload = RandomBytes(random, random.Next(0, 126));
                    break;
                case 1:
                    opcode = WebSocketFrames.OpcodePong;
                    payload = [.. WebSocketFrames.PingPayload];
                    ours = true;
                    break;
                case 2:
                    // A pong for the upstream's ping, even one of the same length as ours.
                    opcode = WebSocketFrames.OpcodePong;
                    payload = RandomBytes(random, random.Next(2) == 0 ? WebSocketFrames.PingPayload.Length : random.Next(0, 126));
                    break;
                case 3:
                    opcode = 0x2;
                    payload = RandomBytes(random, random.Next(126, 70_000)); // 16-bit and 64-bit lengths
                    break;
                default:
                    opcode = (byte)(random.Next(2) == 0 ? 0x1 : 0x0);
                    payload = RandomBytes(random, random.Next(0, 300));
                    break;
            }

            var mask = masked ? RandomBytes(random, 4) : null;
            var frame = Frame(opcode, payload, mask);
            frames.Add(new FrameInfo(bytes.Count, bytes.Count + frame.Length, opcode, ours));
            bytes.AddRange(frame);
        }

        return (bytes.ToArray(), frames);
    }

    private static byte[] Frame(byte opcode, byte[] payload, byte[]? mask)
    {
        var header = new List<byte> { (byte)(0x80 | opcode) };
        var maskBit = mask is null ? 0 : 0x80;
        if (payload.Length < 126)
        {
            header.Add((byte)(maskBit | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue && payload.Length % 2 == 0)
        {
            header.Add((byte)(maskBit | 126));
            header.Add((byte)(payload.Length >> 8));
            header.Add((byte)payload.Length);
        }
        else
        {
            header.Add((byte)(maskBit | 127));
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payload.Length);
            header.AddRange(length);
        }

        var body = payload.ToArray();
        if (mask is not null)
        {
            header.AddRange(mask);
            for (var i = 0; i < body.Length; i++)
            {
                body[i] ^= mask[i % 4];
            }
        }

        return [.. header, .. body];
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private sealed record FrameInfo(int Start, int End, byte Opcode, bool OurPong);
}
