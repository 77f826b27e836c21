using System.Text;
using EdgeProxy.Streaming;

namespace EdgeProxy.Tests.Streaming;

public sealed class SseBoundaryTests
{
    [Theory]
    [InlineData("", true)]
    [InlineData("data: a\n\n", true)]
    [InlineData("data: a\r\n\r\n", true)]
    [InlineData("data: a\r\r", false)]           // bare-CR streams: an LF could still follow, so no heartbeat (safe, rare)
    [InlineData(": comment\n\n", true)]
    [InlineData("data: a\n", false)]              // inside an event: one more data line may follow
    [InlineData("data: a\r\n", false)]
    [InlineData("data: a\r\n\r", false)]          // the LF of a CRLF may still come
    [InlineData("data: a\n\ndata: b", false)]     // mid-line
    [InlineData("data: a\n\nid: 3\n", false)]
    [InlineData("data: a\n\n\n", true)]           // extra blank lines dispatch nothing
    public void AtBoundary_OnlyAfterABlankLine(string stream, bool expected)
    {
        var boundary = default(SseBoundary);
        boundary.Feed(Encoding.UTF8.GetBytes(stream));

        boundary.AtBoundary.Should().Be(expected);
    }

    [Theory]
    [InlineData("data: a\r\n\r\nevent: x\ndata: b\n\n")]
    [InlineData("data: one\rdata: two\r\rdata: three\n\n")]
    public void SplittingTheStreamAnywhere_GivesTheSameAnswerAsWhole(string stream)
    {
        var bytes = Encoding.UTF8.GetBytes(stream);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var whole = default(SseBoundary);
            whole.Feed(bytes.AsSpan(0, split));
            var pieces = default(SseBoundary);
            foreach (var b in bytes.AsSpan(0, split).ToArray())
            {
                pieces.Feed([b]);
            }

            pieces.AtBoundary.Should().Be(whole.AtBoundary, $"after {split} bytes");
        }
    }
}
