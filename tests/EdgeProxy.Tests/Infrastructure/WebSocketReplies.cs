using System.Net.WebSockets;
using System.Text;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>The server side of an upstream's WebSocket in tests: one text reply per message until the client closes.</summary>
public static class WebSocketReplies
{
    /// <summary>
    /// Answers each message with <paramref name="reply"/>'s text (nothing when it returns null), after sending
    /// <paramref name="greeting"/> first when given; ends quietly when the client closes, the request is aborted or the
    /// connection drops (what the proxy does to a socket is what tests look at, not the upstream's exceptions).
    /// </summary>
    public static async Task ServeAsync(HttpContext context, WebSocket socket, Func<string, string?> reply, string? greeting = null)
    {
        var buffer = new byte[4096];
        try
        {
            if (greeting is not null)
            {
                await socket.SendAsync(Encoding.UTF8.GetBytes(greeting), WebSocketMessageType.Text, true, context.RequestAborted);
            }

            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, default);
                    return;
                }

                if (reply(Encoding.UTF8.GetString(buffer, 0, result.Count)) is { } text)
                {
                    await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, context.RequestAborted);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
        }
    }
}
