using System.Net.Sockets;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeProxy.ErrorPages;

/// <summary>Turns YARP's error and exception into the status and the short phrase a client is shown.</summary>
internal readonly record struct UpstreamFailure(int Status, string Kind)
{
    public static UpstreamFailure? From(ForwarderError error, Exception? exception) => error switch
    {
        ForwarderError.NoAvailableDestinations => new(StatusCodes.Status503ServiceUnavailable, "no healthy destination"),
        ForwarderError.RequestTimedOut => new(StatusCodes.Status504GatewayTimeout, "upstream timed out"),
        ForwarderError.Request or ForwarderError.ResponseHeaders => new(StatusCodes.Status502BadGateway, Classify(exception)),
        _ => null, // client-side aborts and mid-body failures: nothing can or should be written
    };

    /// <summary>The log's words for a failure that has no page of its own (the response had begun, or the exchange was upgraded).</summary>
    public static string Describe(ForwarderError error) => error switch
    {
        ForwarderError.RequestBodyDestination => "upstream failed while receiving the request body",
        ForwarderError.ResponseBodyDestination => "upstream failed while sending the response body",
        ForwarderError.UpgradeRequestDestination or ForwarderError.UpgradeResponseDestination => "upstream failed during the upgraded (WebSocket) exchange",
        ForwarderError.UpgradeActivityTimeout => "upgraded (WebSocket) connection idle too long",
        _ => error.ToString(),
    };

    private static string Classify(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return "connection refused";
                case SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted }:
                    return "connection reset";
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData }:
                    return "upstream host not found";
                case SocketException { SocketErrorCode: SocketError.TimedOut }:
                    return "connect timed out";
                case HttpIOException { HttpRequestError: HttpRequestError.ResponseEnded }:
                    return "upstream closed the connection";
                case HttpIOException { HttpRequestError: HttpRequestError.InvalidResponse }:
                case HttpRequestException { HttpRequestError: HttpRequestError.InvalidResponse }: // a status line that is not HTTP: TLS, SSH, HTTP/2 only
                    return "invalid response from upstream";
                case System.Security.Authentication.AuthenticationException:
                    return "TLS handshake with upstream failed";
            }
        }

        return "upstream request failed";
    }
}
