namespace EdgeProxy.Configuration;

/// <summary><c>EdgeProxy check --config PATH</c>: validate without binding a port; exit 0 unless something FAILs.</summary>
internal static class CheckCommand
{
    public static int Run(CommandLine cli, string contentRoot, TextWriter output, TextWriter summary)
    {
        output.WriteLine(Hosting.ProductVersion.Display); // the first thing a bug report quotes
        var file = ConfigFile.Resolve(cli.ConfigPath, contentRoot);
        var report = new ConfigReport();
        if (EdgeProxyConfiguration.CheckFile(file, report))
        {
            var builder = new ConfigurationBuilder();
            EdgeProxyConfiguration.AddLayers(builder, file, cli.ConfigArgs, watch: false);
            var result = ConfigChecker.Check(builder.Build(), contentRoot, report);
            if (result.Acme is not null)
            {
                Acme.AcmeDirectoryProbe.Check(result.Acme, report); // check only: start and reload never wait on the network
            }
        }

        foreach (var finding in report.Findings)
        {
            output.WriteLine(finding);
        }

        var failed = report.Failures.Count();
        var warned = report.Findings.Count(f => f.Severity == Severity.Warn);
        summary.WriteLine(failed == 0 ? $"configuration OK ({warned} warning(s))" : $"configuration INVALID: {failed} problem(s), {warned} warning(s)");
        return failed == 0 ? 0 : 1;
    }
}
