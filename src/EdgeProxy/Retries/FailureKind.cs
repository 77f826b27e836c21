using System.Net.Sockets;
using System.Security.Authentication;
using Yarp.ReverseProxy.Forwarder;

namespace EdgeProxy.Retries;

/// <summary>Whether a failed try can have reached the upstream app, read from YARP's error and the exception under it.</summary>
internal enum FailureKind
{
    /// <summary>No destination took a connection (refused, host not found, connect timeout, none available): nothing was sent.</summary>
    Unsent,

    /// <summary>The request may have reached the app, and no response began (reset, closed before the response).</summary>
    Sent,

    /// <summary>Anything else (a timeout waiting for the response, an invalid response, the client's doing): not tried again.</summary>
    Final,
}

internal static class FailureKinds
{
    public static FailureKind Classify(ForwarderError error, Exception? exception) => error switch
    {
        ForwarderError.NoAvailableDestinations => FailureKind.Unsent,
        ForwarderError.Request => FromRequest(exception),
        ForwarderError.RequestTimedOut when IsConnectTimeout(exception) => FailureKind.Unsent,
        ForwarderError.RequestBodyDestination => FailureKind.Sent,
        _ => FailureKind.Final,
    };

    private static FailureKind FromRequest(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException http)
            {
                return http.HttpRequestError switch
                {
                    HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError => FailureKind.Unsent,
                    // A TLS handshake cut by a restarting upstream; a certificate it does not trust stays a failure.
                    HttpRequestError.SecureConnectionError => Has<AuthenticationException>(http) ? FailureKind.Final : FailureKind.Unsent,
                    HttpRequestError.ResponseEnded or HttpRequestError.HttpProtocolError or HttpRequestError.Unknown => FailureKind.Sent,
                    _ => FailureKind.Final, // invalid response, headers too long, proxy trouble: the app would answer the same again
                };
            }

            if (e is SocketException or IOException)
            {
                return FailureKind.Sent;
            }
        }

        return FailureKind.Final;
    }

    /// <summary>SocketsHttpHandler's ConnectTimeout: a cancellation carrying a <see cref="TimeoutException"/>.</summary>
    private static bool IsConnectTimeout(Exception? exception) => exception is OperationCanceledException { InnerException: TimeoutException };

    private static bool Has<T>(Exception exception)
        where T : Exception
    {
        for (var e = exception.InnerException; e is not null; e = e.InnerException)
        {
            if (e is T)
            {
                return true;
            }
        }

        return false;
    }
}
