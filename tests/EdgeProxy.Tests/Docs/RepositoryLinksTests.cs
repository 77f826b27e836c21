using System.Text.RegularExpressions;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Docs;

/// <summary>
/// The repository stands alone: every relative link in its Markdown resolves to a file inside it (and a
/// <c>#fragment</c> to a heading of that file), and no text file points at a folder beside the repository.
/// </summary>
public sealed partial class RepositoryLinksTests
{
    private static readonly string[] SkippedFolders = ["bin", "obj", "node_modules", ".git", "data"];

    [Fact]
    public void EveryRelativeLink_InEveryMarkdownFile_ResolvesInsideTheRepository()
    {
        var broken = new List<string>();
        var markdown = Files(".md").ToList();
        markdown.Should().Contain(f => f.EndsWith("README.md", StringComparison.Ordinal)).And.Contain(f => f.EndsWith(Path.Combine("samples", "README.md"), StringComparison.Ordinal));
        var checkedLinks = 0;
        foreach (var file in markdown)
        {
            foreach (Match link in MarkdownLink().Matches(File.ReadAllText(file)))
            {
                var (target, fragment) = (link.Groups["target"].Value, link.Groups["fragment"].Value);
                if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                checkedLinks++;
                var resolved = target.Length == 0 ? file : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, target));
                var where = $"{Path.GetRelativePath(Repo.Root, file)}: ({target}{fragment})";
                if (!resolved.StartsWith(Repo.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal) && resolved != Repo.Root)
                {
                    broken.Add(where + " points outside the repository");
                }
                else if (!File.Exists(resolved) && !Directory.Exists(resolved))
                {
                    broken.Add(where + " does not exist");
                }
                else if (fragment.Length > 1 && resolved.EndsWith(".md", StringComparison.Ordinal) && !Anchors(resolved).Contains(fragment[1..]))
                {
                    broken.Add(where + " names no heading of that file");
                }
            }
        }

        checkedLinks.Should().BeGreaterThan(20, "the README, samples and docs link to each other");
        broken.Should().BeEmpty();
    }

    [Fact]
    public void NoTextFile_PointsBesideTheRepository()
    {
        var offenders = new[] { ".md", ".json", ".cs", ".sh", ".yaml", ".yml", "Dockerfile" }
            .SelectMany(Files)
            .Where(f => !f.EndsWith(nameof(RepositoryLinksTests) + ".cs", StringComparison.Ordinal))
            .Where(f => File.ReadAllText(f).Contains("../shared", StringComparison.Ordinal) || File.ReadAllText(f).Contains("PERFORMANCE.md", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(Repo.Root, f));
        offenders.Should().BeEmpty("the repository is read without the folders beside it");
    }

    [Fact]
    public void EveryTestTheDocsName_Exists()
    {
        var tests = Repo.Path("tests", "EdgeProxy.Tests");
        var named = Directory.EnumerateFiles(Repo.Path("docs"), "*.md").SelectMany(f => NamedTest().Matches(File.ReadAllText(f))).ToList();
        named.Should().HaveCountGreaterThan(5);

        named.Where(m =>
        {
            var file = Directory.EnumerateFiles(tests, m.Groups["class"].Value + ".cs", SearchOption.AllDirectories).FirstOrDefault(f => !f.Contains("/bin/", StringComparison.Ordinal));
            return file is null || (m.Groups["method"].Success && !File.ReadAllText(file).Contains($" {m.Groups["method"].Value}(", StringComparison.Ordinal));
        }).Select(m => m.Value).Should().BeEmpty("the docs name these tests as proof, and they are not there");
    }

    [Fact]
    public void Changelog_StartsWithTheProjectsVersion()
    {
        var version = System.Xml.Linq.XDocument.Load(Repo.Path("src", "EdgeProxy", "EdgeProxy.csproj")).Descendants("VersionPrefix").Single().Value;

        File.ReadLines(Repo.Path("CHANGELOG.md")).First(l => l.StartsWith("## ", StringComparison.Ordinal))
            .Should().StartWith($"## {version}", "the newest entry is the version being built");
    }

    private static IEnumerable<string> Files(string suffix)
    {
        var pending = new Stack<string>([Repo.Root]);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            foreach (var sub in Directory.EnumerateDirectories(dir).Where(d => !SkippedFolders.Contains(Path.GetFileName(d))))
            {
                pending.Push(sub);
            }

            foreach (var file in Directory.EnumerateFiles(dir).Where(f => f.EndsWith(suffix, StringComparison.Ordinal)))
            {
                yield return file;
            }
        }
    }

    /// <summary>GitHub's heading anchors: lower case, punctuation dropped except '-' and '_', spaces to '-'.</summary>
    private static HashSet<string> Anchors(string markdownFile) =>
        File.ReadLines(markdownFile).Where(l => l.StartsWith('#'))
            .Select(l => AnchorDropped().Replace(l.TrimStart('#').Trim().ToLowerInvariant(), string.Empty).Replace(' ', '-'))
            .ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"\]\((?<target>[^)#\s]*)(?<fragment>#[^)\s]*)?\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"`(?:\w+/)?(?<class>\w+Tests)(?:\.(?<method>\w+))?")]
    private static partial Regex NamedTest();

    [GeneratedRegex(@"[^\p{L}\p{N}\- _]")]
    private static partial Regex AnchorDropped();
}
