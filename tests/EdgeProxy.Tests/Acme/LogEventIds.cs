using Serilog.Events;

namespace EdgeProxy.Tests.Acme;

internal static class LogEventIds
{
    /// <summary>The Microsoft.Extensions.Logging event id Serilog recorded as the EventId structure's Id.</summary>
    public static int? EventId(this LogEvent e) =>
        e.Properties.TryGetValue("EventId", out var value) && value is StructureValue s
            && s.Properties.FirstOrDefault(p => p.Name == "Id")?.Value is ScalarValue { Value: int id }
            ? id
            : null;
}
