using Yarp.ReverseProxy.Forwarder;

namespace EdgeProxy.Retries;

/// <summary>Why a request ended without a try of its own to blame (nothing available, a route Timeout while it waited).</summary>
internal sealed class RetryErrorFeature(ForwarderError error, Exception? exception) : IForwarderErrorFeature
{
    public ForwarderError Error { get; } = error;

    public Exception? Exception { get; } = exception;
}
