namespace EdgeProxy.Configuration;

/// <summary>The command line cannot be understood: the process prints usage to stderr and exits 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
