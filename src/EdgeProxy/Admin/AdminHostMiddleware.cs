using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace EdgeProxy.Admin;

/// <summary>
/// The admin pipeline's first step: a Host that <see cref="AdminHosts"/> does not allow gets 421, naming the key that
/// would allow it. Each refused name is logged once (the first <see cref="MostLogged"/> names), so a page that keeps
/// trying cannot flood the log.
/// </summary>
internal sealed partial class AdminHostMiddleware(RequestDelegate next, IOptionsMonitor<AdminOptions> options, ILogger<AdminHostMiddleware> logger)
{
    private const string Key = AdminOptions.SectionName + ":" + nameof(AdminOptions.AllowedHosts);
    private const int MostLogged = 100;
    private readonly ConcurrentDictionary<string, byte> _logged = new(StringComparer.OrdinalIgnoreCase);

    public Task InvokeAsync(HttpContext context)
    {
        var host = context.Request.Host.Host;
        if (AdminHosts.Allows(host, options.CurrentValue.AllowedHosts))
        {
            return next(context);
        }

        if (_logged.Count < MostLogged && _logged.TryAdd(host, 0))
        {
            Log.Refused(logger, host, context.Request.Path.Value ?? "/");
        }

        return AdminMiddleware.Text(context, StatusCodes.Status421MisdirectedRequest, $"the admin listener answers IP addresses, localhost and the names in {Key}; this request's Host is not one of them");
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.AdminHostRefused, LogLevel.Information, "Admin listener: refused {Path} for Host {Host}, which is not an IP address, localhost or in EdgeProxy:Admin:AllowedHosts (a web page pointing its own name at this address, or a scraper to add there); logged once per name")]
        public static partial void Refused(ILogger logger, string host, string path);
    }
}
