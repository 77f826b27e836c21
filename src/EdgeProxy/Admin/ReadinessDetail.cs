namespace EdgeProxy.Admin;

/// <summary>
/// Lines a feature adds under the status word of <c>/readyz</c> (e.g. each ACME host's certificate), for operators.
/// Detail never changes the status code: readiness is only config loaded and listeners bound.
/// </summary>
internal sealed record ReadinessDetail(Func<IEnumerable<string>> Lines);
