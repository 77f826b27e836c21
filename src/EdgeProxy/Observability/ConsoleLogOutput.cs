namespace EdgeProxy.Observability;

/// <summary>
/// EdgeProxy's own console sink when the access log may bypass Serilog's pipeline (<see cref="SerilogSetup"/>
/// decides); null when its events must reach a configured sink, enricher or filter as Serilog events.
/// </summary>
internal sealed class ConsoleLogOutput
{
    public BatchedConsoleSink? Sink { get; set; }
}
