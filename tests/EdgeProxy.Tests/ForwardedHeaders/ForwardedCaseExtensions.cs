namespace EdgeProxy.Tests.ForwardedHeaders;

internal static class ForwardedCaseExtensions
{
    public static Dictionary<string, string?> With(this Dictionary<string, string?> expect, string name, string? value)
    {
        expect[name] = value;
        return expect;
    }
}
