namespace EdgeProxy.Retries;

/// <summary>The retry settings one route's requests run under: the section, then its cluster's metadata, then its own.</summary>
internal sealed record RetryPolicy(TimeSpan TryDuration, TimeSpan TryInterval, int MaxHeld, int MaxRetries, long MaxRetryBodySize)
{
    public static RetryPolicy From(RetryOptions options) =>
        new(options.TryDuration, options.TryInterval, options.MaxHeld, options.MaxRetries, options.MaxRetryBodySize);

    /// <summary>Requests wait while no destination accepts a connection.</summary>
    public bool Holds => TryDuration > TimeSpan.Zero;

    /// <summary>Neither waiting nor sending twice: a failure is answered at once.</summary>
    public bool Off => !Holds && MaxRetries == 0;

    /// <summary><c>Retry-After</c> for the 503 beyond <see cref="MaxHeld"/>: about when the app should be back.</summary>
    public int RetryAfterSeconds => (int)Math.Max(1, Math.Ceiling(TryDuration.TotalSeconds));
}
