using System.Diagnostics;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>A real nginx (Debian package) in the foreground with a config written by the test; stopped by PID.</summary>
public sealed class NginxProcess : IAsyncDisposable
{
    private readonly Process _process;

    private NginxProcess(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        Directory = directory;
    }

    public int Port { get; }

    public string Directory { get; }

    public static string? Binary => File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : ExternalTool.Find("nginx");

    /// <summary>Starts nginx with <paramref name="serverBlock"/> (which must `listen` on {PORT}) inside a minimal http block.</summary>
    public static async Task<NginxProcess> StartAsync(string directory, string serverBlock)
    {
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "tmp"));
        var port = TestClients.FreePort();
        var config = $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            error_log {{directory}}/error.log info;
            pid {{directory}}/nginx.pid;
            events { worker_connections 64; }
            http {
              access_log off;
              client_body_temp_path {{directory}}/tmp/body;
              proxy_temp_path {{directory}}/tmp/proxy;
              fastcgi_temp_path {{directory}}/tmp/fastcgi;
              uwsgi_temp_path {{directory}}/tmp/uwsgi;
              scgi_temp_path {{directory}}/tmp/scgi;
              {{serverBlock.Replace("{PORT}", port.ToString())}}
            }
            """;
        var path = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(path, config);
        var info = new ProcessStartInfo(Binary ?? throw new InvalidOperationException("nginx is not installed"))
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-p", directory, "-c", path })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        var nginx = new NginxProcess(process, port, directory);
        for (var i = 0; i < 100; i++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("nginx exited: " + await process.StandardError.ReadToEndAsync() + File.ReadAllText(Path.Combine(directory, "error.log")));
            }

            try
            {
                using var socket = new System.Net.Sockets.TcpClient();
                await socket.ConnectAsync(System.Net.IPAddress.Loopback, port);
                return nginx;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(50);
            }
        }

        await nginx.DisposeAsync();
        throw new TimeoutException("nginx did not start listening");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
