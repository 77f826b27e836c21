using EdgeProxy.Configuration;

namespace EdgeProxy.Hosting;

/// <summary>The range of <see cref="MemoryOptions.ReturnAfterIdle"/>.</summary>
internal sealed class MemoryOptionsValidator(IConfiguration configuration) : OptionsValidator<MemoryOptions>
{
    public static readonly TimeSpan Shortest = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Longest = TimeSpan.FromHours(1);

    public override void Check(MemoryOptions options, ConfigReport report)
    {
        var after = options.ReturnAfterIdle.Value;
        if (after != TimeSpan.Zero && (after < Shortest || after > Longest))
        {
            report.Fail(MemoryOptions.SectionName + ":" + nameof(MemoryOptions.ReturnAfterIdle), $"{Duration.Show(after)} is outside {Shortest.TotalSeconds}s to {Longest.TotalHours}h; 0 turns returning memory off");
        }
        else if (configuration.GetSection(MemoryOptions.SectionName).Exists())
        {
            report.Ok(MemoryOptions.SectionName, after == TimeSpan.Zero ? "memory is never returned to the system after a busy spell" : $"memory is returned to the system after {Duration.Show(after)} idle following a busy spell");
        }
    }
}
