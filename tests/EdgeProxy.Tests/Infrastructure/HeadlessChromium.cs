using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace EdgeProxy.Tests.Infrastructure;

/// <summary>
/// Debian's <c>chromium</c>, headless in a throwaway profile, driven over the DevTools protocol: load a page with
/// scripts on or off, read its DOM as it is now (after scripts ran), take a screenshot. Chromium's own
/// <c>--dump-dom</c> and <c>--screenshot</c> return nothing once scripts are off, the protocol's DOM domain does.
/// The process is ours by id and is ended, with its children, on dispose.
/// </summary>
public sealed partial class HeadlessChromium : IAsyncDisposable
{
    public const string Tool = "chromium";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _profile;
    private readonly Process _process;
    private readonly ClientWebSocket _socket = new();
    private readonly StringBuilder _stderr = new();
    private int _nextId;

    private HeadlessChromium(Process process, TempDirectory profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>The flags every run uses; <c>bench/run.sh --status-page-open</c> starts the same browser.</summary>
    public static IEnumerable<string> BaseArguments(string profile) =>
        ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-background-networking", $"--user-data-dir={profile}"];

    /// <param name="javascript">False: the page loads as in a browser with JavaScript off (DevTools <c>Emulation.setScriptExecutionDisabled</c>).</param>
    public static async Task<HeadlessChromium> StartAsync(bool javascript)
    {
        var profile = new TempDirectory();
        var info = new ProcessStartInfo(ExternalTool.Require(Tool)) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in BaseArguments(profile.Path).Concat(["--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "--window-size=1400,2200", "about:blank"]))
        {
            info.ArgumentList.Add(arg);
        }

        var browser = new HeadlessChromium(Process.Start(info)!, profile);
        try
        {
            var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            browser._process.ErrorDataReceived += (_, e) =>
            {
                lock (browser._stderr)
                {
                    browser._stderr.AppendLine(e.Data);
                }

                if (e.Data is { } line && DevToolsLine().Match(line) is { Success: true } m)
                {
                    listening.TrySetResult(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
                }
            };
            browser._process.BeginErrorReadLine();
            browser._process.BeginOutputReadLine();
            var port = await listening.Task.WaitAsync(Timeout);
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            var targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
            var page = targets.First(t => (string?)t!["type"] == "page")!["webSocketDebuggerUrl"]!.GetValue<string>();
            await browser._socket.ConnectAsync(new Uri(page), CancellationToken.None);
            await browser.SendAsync("Page.enable");
            await browser.SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = 1400, ["height"] = 2200, ["deviceScaleFactor"] = 1, ["mobile"] = false });
            await browser.SendAsync("Emulation.setScriptExecutionDisabled", new JsonObject { ["value"] = !javascript });
            return browser;
        }
        catch (Exception ex) when (ex is TimeoutException or HttpRequestException or WebSocketException)
        {
            var log = browser.Stderr;
            await browser.DisposeAsync();
            throw new Xunit.Sdk.XunitException($"chromium did not start its DevTools endpoint: {ex.Message}\n{log}");
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Navigates and waits for the load event (stylesheet and script included).</summary>
    public async Task LoadAsync(string url)
    {
        var loaded = WaitForEventAsync("Page.loadEventFired");
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        await loaded;
    }

    /// <summary>The document's HTML as the browser holds it now.</summary>
    public async Task<string> DomAsync()
    {
        var root = await SendAsync("DOM.getDocument", new JsonObject { ["depth"] = 0 });
        var html = await SendAsync("DOM.getOuterHTML", new JsonObject { ["nodeId"] = root["root"]!["nodeId"]!.GetValue<int>() });
        return html["outerHTML"]!.GetValue<string>();
    }

    /// <summary>Polls the DOM until <paramref name="condition"/> holds; returns the last DOM read either way.</summary>
    public async Task<string> DomWhenAsync(Func<string, bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        var dom = await DomAsync();
        while (!condition(dom) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            dom = await DomAsync();
        }

        return dom;
    }

    public async Task ScreenshotAsync(string file)
    {
        var shot = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllBytesAsync(file, Convert.FromBase64String(shot["data"]!.GetValue<string>()));
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, TaskCompletionSource<JsonNode>> _pending = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> _events = new();
    private Task? _reader;

    private Task WaitForEventAsync(string method) =>
        _events.GetOrAdd(method, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(Timeout);

    private async Task<JsonNode> SendAsync(string method, JsonObject? parameters = null)
    {
        _reader ??= Task.Run(ReadLoopAsync);
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? [] };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        var reply = await answer.Task.WaitAsync(Timeout);
        return reply["error"] is { } error
            ? throw new Xunit.Sdk.XunitException($"DevTools {method}: {error.ToJsonString()}")
            : reply["result"]!;
    }

    /// <summary>Answers go to their command, events to whoever waits for them (one wait per event name).</summary>
    private async Task ReadLoopAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var node = JsonNode.Parse(message.ToArray())!;
                message.SetLength(0);
                if ((int?)node["id"] is { } id && _pending.TryRemove(id, out var answer))
                {
                    answer.TrySetResult(node);
                }
                else if ((string?)node["method"] is { } method && _events.TryRemove(method, out var fired))
                {
                    fired.TrySetResult();
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // the browser went away or we closed it: nothing waits any more
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true); // by the id we started, never by name
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        if (_reader is not null)
        {
            await _reader;
        }

        _profile.Dispose();
    }

    [GeneratedRegex(@"DevTools listening on ws://127\.0\.0\.1:(\d+)/")]
    private static partial Regex DevToolsLine();
}
