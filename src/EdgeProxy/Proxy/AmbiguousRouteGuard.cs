using System.Collections.Concurrent;

namespace EdgeProxy.Proxy;

/// <summary>
/// A request that two routes match equally well makes ASP.NET Core's matcher throw; unhandled, the client got an
/// empty 500 and nothing said which routes. Check refuses routes that can never be told apart, but routes that
/// share only some hosts or methods can still get here: the answer is a 500 that says so, and one logged error
/// per set of routes naming them and the fix.
/// </summary>
internal sealed partial class AmbiguousRouteGuard(RequestDelegate next, ILogger<AmbiguousRouteGuard> logger)
{
    // The matcher's own exception type is internal; its namespace and name are what identify it.
    private const string MatcherException = "Microsoft.AspNetCore.Routing.Matching.AmbiguousMatchException";
    private const int MaxRemembered = 100;

    private readonly ConcurrentDictionary<string, bool> _logged = new(StringComparer.Ordinal);

    public Task InvokeAsync(HttpContext context)
    {
        Task task;
        try
        {
            task = next(context);
        }
        catch (Exception ex) when (IsAmbiguous(ex) && !context.Response.HasStarted)
        {
            return AnswerAsync(context, ex);
        }

        return task.IsCompletedSuccessfully ? task : AwaitAsync(context, task);
    }

    private async Task AwaitAsync(HttpContext context, Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (IsAmbiguous(ex) && !context.Response.HasStarted)
        {
            await AnswerAsync(context, ex);
        }
    }

    private static bool IsAmbiguous(Exception ex) => ex.GetType().FullName == MatcherException;

    private Task AnswerAsync(HttpContext context, Exception ex)
    {
        var routes = RouteNames(ex.Message);
        if (_logged.Count < MaxRemembered && _logged.TryAdd(routes, true))
        {
            Log.Ambiguous(logger, routes, context.Request.Method, context.Request.Host.Value ?? "-", context.Request.Path.Value ?? "/");
        }

        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync("500 Internal Server Error: more than one route matches this request; the proxy's log names them\n");
    }

    /// <summary>The matcher lists the endpoints' display names (YARP's route ids) one per line after "Matches:".</summary>
    private static string RouteNames(string message)
    {
        var start = message.IndexOf(':', StringComparison.Ordinal);
        var names = message[(start + 1)..].Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return names.Length == 0 ? message : string.Join(", ", names.Select(n => $"'{n}'"));
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.AmbiguousRoutes, LogLevel.Error,
            "Routes {Routes} all match {Method} {Host}{Path} and routing cannot choose: answered 500. Give each its own Match:Hosts or Match:Path, or a lower Order on the one that should win (check warns about such routes)")]
        public static partial void Ambiguous(ILogger logger, string routes, string method, string host, string path);
    }
}
