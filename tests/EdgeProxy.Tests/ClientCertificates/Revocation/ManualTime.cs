namespace EdgeProxy.Tests.ClientCertificates.Revocation;

/// <summary>A clock the test moves, so cache expiry is proven without waiting for it.</summary>
public sealed class ManualTime(DateTimeOffset? start = null) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start ?? DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => Now;
}
