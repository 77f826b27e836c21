using System.Reflection;
using EdgeProxy.Configuration;

namespace EdgeProxy.Tests.Configuration;

/// <summary>
/// <see cref="OptionsTable"/> is written out by hand (a native-AOT build cannot make generic methods at run time): it must
/// name every options type the assembly has, at the section the type declares, or a section would be neither bound nor known.
/// </summary>
public sealed class OptionsTableTests
{
    [Fact]
    public void Table_NamesEveryOptionsType_AtItsOwnSection()
    {
        var declared = typeof(OptionsTable).Assembly.GetTypes()
            .Where(t => t is { IsPublic: true, IsClass: true } && t.Name.EndsWith("Options", StringComparison.Ordinal)
                && t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true })
            .Select(t => (t, (string)t.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!))
            .OrderBy(x => x.t.FullName, StringComparer.Ordinal)
            .ToList();

        declared.Should().HaveCountGreaterThan(20);
        OptionsTable.All.Select(o => (o.Type, o.Section)).Should().Equal(declared, "each public *Options type with a SectionName has one row, in the order of their full names");
    }

    [Fact]
    public void EachRow_BindsItsOwnType_FromItsSection()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["EdgeProxy:Admin:Urls"] = "http://127.0.0.1:1234",
            ["Kestrel:Endpoints:Web:Url"] = "https://127.0.0.1:8443",
        }).Build();

        foreach (var options in OptionsTable.All)
        {
            var bound = options.Get(config.GetSection(options.Section));
            if (bound is not null)
            {
                bound.Should().BeOfType(options.Type);
            }
        }

        BoundOptions.Get<EdgeProxy.Admin.AdminOptions>(config).Urls.Should().Be("http://127.0.0.1:1234");
        BoundOptions.Get<EdgeProxy.Tls.ListenerOptions>(config).Endpoints.Should().ContainKey("Web").WhoseValue.Url.Should().Be("https://127.0.0.1:8443");
    }

    [Fact]
    public void TypeNotInTheTable_IsNamed()
    {
        var act = () => OptionsTable.Of(typeof(string));
        act.Should().Throw<InvalidOperationException>().WithMessage("String is not in OptionsTable");
    }
}
