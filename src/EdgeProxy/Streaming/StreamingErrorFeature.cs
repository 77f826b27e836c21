using Yarp.ReverseProxy.Forwarder;

namespace EdgeProxy.Streaming;

/// <summary>Replaces YARP's "request canceled" when it was our own timer that cancelled the request.</summary>
internal sealed class StreamingErrorFeature(ForwarderError error, Exception? exception) : IForwarderErrorFeature
{
    public ForwarderError Error { get; } = error;

    public Exception? Exception { get; } = exception;
}
