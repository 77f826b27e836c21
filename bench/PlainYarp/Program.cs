// A minimal YARP proxy: what `dotnet new web` + YARP's getting-started page give. The only addition is
// `--config PATH`, so the bench can hand it the same kind of file it hands EdgeProxy.
var builder = WebApplication.CreateBuilder(args);
if (builder.Configuration["config"] is { } path)
{
    builder.Configuration.AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false);
}

builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
var app = builder.Build();
app.MapReverseProxy();
app.Run();
