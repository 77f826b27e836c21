using Yarp.ReverseProxy.Configuration;

namespace EdgeProxy.Configuration;

/// <summary>
/// A stop waits for the reload YARP is still applying. YARP applies a reloaded configuration after the reload that
/// signalled it has returned (its route and cluster checks are awaited), and then builds the new endpoints from the
/// container. A stop that disposed the container in between was logged, after "Application is shutting down", as
/// "Failed to apply the new config" with an <see cref="ObjectDisposedException"/>'s stack: an edit of the file followed by
/// SIGTERM (a config map changed while the pod is replaced) read like a crash.
/// On stop the file is no longer polled, so no reload starts, and the apply in progress is waited for, at most until the
/// shutdown timeout ends (a stop never hangs on it).
/// </summary>
internal sealed class ReloadDrain(LastGoodJsonConfigurationProvider file) : IConfigChangeListener, IHostedService
{
    private readonly Lock _gate = new();
    private int _applying;
    private TaskCompletionSource? _idle;

    public static void Register(IServiceCollection services, LastGoodJsonConfigurationProvider file)
    {
        services.AddSingleton(new ReloadDrain(file));
        services.AddSingleton<IConfigChangeListener>(sp => sp.GetRequiredService<ReloadDrain>());
        services.AddHostedService(sp => sp.GetRequiredService<ReloadDrain>());
    }

    /// <summary>YARP calls this when a load or reload begins to apply (synchronously within the reload's signal).</summary>
    public void ConfigurationLoaded(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
        lock (_gate)
        {
            _applying++;
        }
    }

    public void ConfigurationApplied(IReadOnlyList<IProxyConfig> proxyConfigs) => Applied();

    public void ConfigurationApplyingFailed(IReadOnlyList<IProxyConfig> proxyConfigs, Exception exception) => Applied();

    /// <summary>A provider that failed to load: YARP goes on with the last config, so <see cref="ConfigurationLoaded"/> still follows.</summary>
    public void ConfigurationLoadingFailed(IProxyConfigProvider configProvider, Exception exception)
    {
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        file.StopPolling();
        Task idle;
        lock (_gate)
        {
            if (_applying == 0)
            {
                return;
            }

            idle = (_idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }

        try
        {
            await idle.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The shutdown timeout ended first: the stop goes on.
        }
    }

    private void Applied()
    {
        TaskCompletionSource? idle = null;
        lock (_gate)
        {
            if (_applying > 0 && --_applying == 0)
            {
                (idle, _idle) = (_idle, null);
            }
        }

        idle?.TrySetResult();
    }
}
