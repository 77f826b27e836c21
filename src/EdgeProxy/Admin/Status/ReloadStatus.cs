namespace EdgeProxy.Admin.Status;

/// <summary>The config file's last reload: accepted, or refused with one finding (key and message) per problem.</summary>
internal sealed record ReloadStatus(DateTimeOffset At, bool Accepted, IReadOnlyList<string> Problems);
