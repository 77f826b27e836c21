namespace EdgeProxy.Admin.Status;

/// <summary>An ACME host: its state, what it is served with, the certificate's expiry, the next attempt (renewal or retry) and the CA's last problem.</summary>
internal sealed record AcmeHostStatus(string Host, string State, string Certificate, DateTimeOffset? NotAfter, DateTimeOffset? NextAttempt, int Failures, string? LastProblem);
