namespace EdgeProxy.Paths;

/// <summary>Spellings that servers read in different ways, so a path holding one has no single meaning.</summary>
[Flags]
internal enum PathProblems
{
    None = 0,

    /// <summary><c>\</c> or <c>%5C</c>: IIS, Tomcat, Spring and Windows file servers read it as <c>/</c>.</summary>
    Backslash = 1,

    /// <summary>A raw <c>;</c>: Tomcat, Jetty and Spring drop <c>;params</c> from a segment before they route.</summary>
    Semicolon = 2,

    /// <summary>An encoded control character (<c>%0D</c>, <c>%0A</c>, <c>%09</c>, C1): C code cuts the path there, logs split.</summary>
    ControlCharacter = 4,

    /// <summary>A dot segment behind an encoded slash (<c>..%2F</c>): a server that decodes <c>%2F</c> climbs out.</summary>
    EncodedDotSegment = 8,

    /// <summary><c>%25</c> before two hex digits (<c>%252F</c>): a server that decodes twice reads another path.</summary>
    DoubleEncoding = 16,
}
