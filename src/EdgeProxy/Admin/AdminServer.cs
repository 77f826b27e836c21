using EdgeProxy.Tls;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace EdgeProxy.Admin;

/// <summary>
/// The admin listener on a Kestrel server of its own. It starts before the public listeners bind (so
/// <c>/readyz</c> says "starting") and stops only after the host has drained them: while in-flight requests
/// finish, <c>/readyz</c> answers 503 "draining" and <c>/metrics</c> stays scrapeable, where one shared
/// server would close the admin port with the others at the first moment of the drain.
/// </summary>
internal sealed class AdminServer(ListenerBinder binder, IConnectionListenerFactory transport, ILoggerFactory loggerFactory, IHttpContextFactory contexts, IServiceProvider services, Action<IApplicationBuilder> pipeline)
    : IHostedLifecycleService, IAsyncDisposable
{
    private KestrelServer? _server;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var options = new KestrelServerOptions { ApplicationServices = services, AddServerHeader = false };
        if (!binder.BindAdmin(options))
        {
            return; // EdgeProxy:Admin:Urls is empty
        }

        var app = new ApplicationBuilder(services);
        pipeline(app);
        _server = new KestrelServer(Options.Create(options), transport, loggerFactory);
        await _server.StartAsync(new Application(app.Build(), contexts), cancellationToken);
        binder.AdminServer = _server; // its addresses tell ListenerReloader which admin listeners a reload left unbound
    }

    /// <summary>After every hosted service stopped, the web host's drain of the public listeners included.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        _server?.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class Application(RequestDelegate pipeline, IHttpContextFactory contexts) : IHttpApplication<HttpContext>
    {
        public HttpContext CreateContext(IFeatureCollection contextFeatures) => contexts.Create(contextFeatures);

        public Task ProcessRequestAsync(HttpContext context) => pipeline(context);

        public void DisposeContext(HttpContext context, Exception? exception) => contexts.Dispose(context);
    }
}
