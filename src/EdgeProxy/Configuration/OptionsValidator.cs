using Microsoft.Extensions.Options;

namespace EdgeProxy.Configuration;

/// <summary>
/// Validation that lives with its options type. <c>check</c>, the start-up gate and every reload collect its findings
/// (OK, WARN and FAIL lines, each naming the full key) into one <see cref="ConfigReport"/>; as the type's
/// <see cref="IValidateOptions{TOptions}"/> it also guarantees the running code is never handed options it refused.
/// </summary>
internal abstract class OptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        var report = new ConfigReport();
        Check(options, report);
        return report.HasFailures ? ValidateOptionsResult.Fail(report.Failures.Select(f => f.ToString())) : ValidateOptionsResult.Success;
    }

    /// <summary>Adds every finding about <paramref name="options"/> to <paramref name="report"/>, never stopping at the first.</summary>
    public abstract void Check(TOptions options, ConfigReport report);
}
