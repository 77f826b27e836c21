namespace EdgeProxy.ClientCertificates;

/// <summary>The XFCC a trusted peer sent, kept (before stripping) for <see cref="XfccMode.AppendForward"/>.</summary>
internal sealed record TrustedXfcc(string Value);
