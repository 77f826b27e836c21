using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeProxy.Configuration;
using EdgeProxy.Tests.Infrastructure;

namespace EdgeProxy.Tests.Container;

/// <summary>
/// docker/kubernetes rendered by the real kustomize (<c>kubectl kustomize</c>) and read back as objects:
/// what Kubernetes would be given, not what the YAML files look like.
/// </summary>
public sealed class KubernetesManifestTests : IDisposable
{
    private const string AppUid = "1654"; // docker/Dockerfile ARG APP_UID
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [ToolFact("kubectl")]
    public async Task Deployment_IsNonRootReadOnly_WithAdminProbesAndADrainBeforeShutdown()
    {
        var deployment = Single(await RenderAsync("docker/kubernetes"), "Deployment");
        var pod = deployment["spec"]!["template"]!["spec"]!;
        var container = pod["containers"]![0]!;

        deployment["spec"]!["replicas"].Should().BeNull("the HPA owns the count; a fixed one would be reapplied over it on every kubectl apply");
        ((bool)pod["securityContext"]!["runAsNonRoot"]!).Should().BeTrue();
        pod["securityContext"]!["runAsUser"]!.ToString().Should().Be(AppUid, "the image's user, so files it owns stay readable");
        ((bool)container["securityContext"]!["readOnlyRootFilesystem"]!).Should().BeTrue();
        ((bool)container["securityContext"]!["allowPrivilegeEscalation"]!).Should().BeFalse();
        container["securityContext"]!["capabilities"]!["drop"]!.AsArray().Select(c => (string)c!).Should().Contain("ALL");

        var admin = container["ports"]!.AsArray().Single(p => (string)p!["name"]! == "admin")!;
        ((int)admin["containerPort"]!).Should().Be(9901);
        ((string)container["readinessProbe"]!["httpGet"]!["path"]!).Should().Be("/readyz");
        ((string)container["readinessProbe"]!["httpGet"]!["port"]!).Should().Be("admin");
        ((string)container["livenessProbe"]!["httpGet"]!["path"]!).Should().Be("/healthz");
        ((string)container["livenessProbe"]!["httpGet"]!["port"]!).Should().Be("admin");
        container["resources"]!["requests"]!["cpu"].Should().NotBeNull("the HPA scales on CPU relative to the request");

        var preStop = PreStopSeconds(container);
        preStop.Should().BeGreaterThanOrEqualTo(5, "endpoints and the load balancer need time to stop sending");
        ((int)pod["terminationGracePeriodSeconds"]!).Should().BeGreaterThan(preStop + 30, "preStop plus EdgeProxy:ShutdownTimeout (30 s) must fit before SIGKILL");
    }

    [ToolFact("kubectl")]
    public async Task RollingUpdate_NumbersFitTogether_AndTheReadmeStatesHowLongItTakes()
    {
        var objects = await RenderAsync("docker/kubernetes");
        var deployment = Single(objects, "Deployment");
        var pod = deployment["spec"]!["template"]!["spec"]!;
        var container = pod["containers"]![0]!;
        var settings = JsonNode.Parse((string)Single(objects, "ConfigMap")["data"]!["appsettings.json"]!)!;
        var shutdownText = (string?)settings["EdgeProxy"]?["ShutdownTimeout"] ?? "30s";
        Duration.TryParse(shutdownText, out var shutdown).Should().BeTrue(shutdownText);
        var rolling = deployment["spec"]!["strategy"]!["rollingUpdate"]!;
        var readiness = container["readinessProbe"]!;
        var liveness = container["livenessProbe"]!;
        var preStop = PreStopSeconds(container);
        var grace = (int)pod["terminationGracePeriodSeconds"]!;
        var replicas = (int)Single(objects, "HorizontalPodAutoscaler")["spec"]!["minReplicas"]!; // what runs when nothing is busy
        var readinessPeriod = (int)readiness["periodSeconds"]!;

        ((int)rolling["maxUnavailable"]!).Should().Be(0, "an old pod leaves only after its replacement is ready");
        ((int)rolling["maxSurge"]!).Should().BeGreaterThanOrEqualTo(1);
        preStop.Should().BeGreaterThanOrEqualTo(5, "endpoints and kube-proxy on every node stop sending before the listeners close");
        grace.Should().BeGreaterThanOrEqualTo(preStop + (int)shutdown.TotalSeconds + 5, $"preStop plus EdgeProxy:ShutdownTimeout ({shutdownText}) plus a margin, before SIGKILL cuts what is still in flight");
        readinessPeriod.Should().BeLessThanOrEqualTo(5, "a new pod is seen ready within seconds");
        ((int)liveness["periodSeconds"]! * (int)liveness["failureThreshold"]!).Should().BeGreaterThan(readinessPeriod * (int)readiness["failureThreshold"]!,
            "liveness is the slower verdict: a busy pod turns unready before it is restarted");
        // Each pod: up to one readiness period until its replacement is ready; the last old pod then serves through
        // its preStop and drains. (Readiness answers 503 during the drain; the admin listener closes last.)
        var rollout = (replicas * readinessPeriod) + preStop;
        File.ReadAllText(Repo.Path("README.md")).Should().Contain($"about {rollout} s", "the README states how long a rolling update of EdgeProxy takes");
    }

    [ToolFact("kubectl")]
    public async Task Volumes_ConfigAndCertificatesAreFolderMounts_WritableOnlyDataAndTmp()
    {
        var objects = await RenderAsync("docker/kubernetes");
        var pod = Single(objects, "Deployment")["spec"]!["template"]!["spec"]!;
        var mounts = pod["containers"]![0]!["volumeMounts"]!.AsArray().ToDictionary(m => (string)m!["mountPath"]!, m => m!);
        var volumes = pod["volumes"]!.AsArray().ToDictionary(v => (string)v!["name"]!, v => v!);

        mounts.Keys.Should().BeEquivalentTo(["/app/config", "/certs", "/data", "/tmp"]);
        mounts.Values.Should().AllSatisfy(m => m["subPath"].Should().BeNull("subPath mounts never see ConfigMap or Secret updates"));
        foreach (var readOnly in new[] { "/app/config", "/certs" })
        {
            ((bool)mounts[readOnly]["readOnly"]!).Should().BeTrue();
        }

        ((string)volumes[(string)mounts["/app/config"]["name"]!]["configMap"]!["name"]!).Should().Be("edgeproxy-config");
        ((string)volumes[(string)mounts["/certs"]["name"]!]["secret"]!["secretName"]!).Should().Be("edgeproxy-tls");
        var configMap = Single(objects, "ConfigMap");
        ((string)configMap["metadata"]!["name"]!).Should().Be("edgeproxy-config",
            "no hash suffix: an edited ConfigMap keeps its name, so the mounted folder is updated in place and the file poll applies it");
    }

    [ToolTheory("kubectl")]
    [InlineData("docker/kubernetes")]
    [InlineData("docker/kubernetes/proxy-protocol")]
    [InlineData("docker/kubernetes/cert-manager")]
    public async Task NoVariant_CarriesASecret_SoApplyingItNeverEmptiesTheOperatorsCertificate(string variant)
    {
        var objects = await RenderAsync(variant);

        objects.Should().NotContain(o => (string)o["kind"]! == "Secret", "kubectl apply of a placeholder would replace the Secret made by kubectl create secret tls or cert-manager");
        var tls = Single(objects, "Deployment")["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Single(v => v!["secret"] is not null)!;
        ((string)tls["secret"]!["secretName"]!).Should().Be("edgeproxy-tls");
        tls["secret"]!["optional"].Should().BeNull("a pod without its certificate must not start on a self-signed one");
    }

    [Fact]
    public void Readme_CreatesTheSecretBeforeTheFirstApply()
    {
        var readme = File.ReadAllText(Repo.Path("README.md"));
        var section = readme[readme.IndexOf("**Kubernetes**", StringComparison.Ordinal)..readme.IndexOf("## Layout", StringComparison.Ordinal)];

        var create = section.IndexOf("kubectl create secret tls edgeproxy-tls", StringComparison.Ordinal);
        var apply = section.IndexOf("kubectl apply -k docker/kubernetes`", StringComparison.Ordinal);
        create.Should().BePositive();
        apply.Should().BeGreaterThan(create, "the certificate Secret exists before the manifests that mount it are applied");
        section.Should().Contain("rollout restart").And.Contain("polls the file", "how a changed ConfigMap reaches running pods");
    }

    [ToolFact("kubectl")]
    public async Task ServiceHpaAndPdb_KeepClientIps_ScaleOnCpu_AndAlwaysLeaveOnePod()
    {
        var objects = await RenderAsync("docker/kubernetes");
        var podLabels = Single(objects, "Deployment")["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();

        var service = Single(objects, "Service");
        ((string)service["spec"]!["type"]!).Should().Be("LoadBalancer");
        ((string)service["spec"]!["externalTrafficPolicy"]!).Should().Be("Local");
        service["spec"]!["ports"]!.AsArray().Select(p => (string)p!["targetPort"]!).Should().BeEquivalentTo(["https", "http"], "the admin port is never published");

        var hpa = Single(objects, "HorizontalPodAutoscaler");
        ((string)hpa["spec"]!["scaleTargetRef"]!["kind"]!).Should().Be("Deployment");
        ((string)hpa["spec"]!["scaleTargetRef"]!["name"]!).Should().Be((string)Single(objects, "Deployment")["metadata"]!["name"]!);
        ((int)hpa["spec"]!["minReplicas"]!).Should().BeGreaterThanOrEqualTo(2);
        var metric = hpa["spec"]!["metrics"]![0]!;
        ((string)metric["resource"]!["name"]!).Should().Be("cpu");

        var pdb = Single(objects, "PodDisruptionBudget");
        ((int)pdb["spec"]!["minAvailable"]!).Should().Be(1);
        foreach (var (key, value) in pdb["spec"]!["selector"]!["matchLabels"]!.AsObject())
        {
            ((string?)podLabels[key]).Should().Be((string?)value, "the PDB must select the Deployment's pods");
        }
    }

    [ToolFact("kubectl")]
    public async Task ConfigMap_PassesEdgeProxyCheck_WithTheSecretMountedAtCerts()
    {
        var configMap = Single(await RenderAsync("docker/kubernetes"), "ConfigMap");
        var json = (string)configMap["data"]!["appsettings.json"]!;
        json.Should().Contain("/certs/tls.crt").And.Contain("/certs/tls.key").And.Contain("http://*:9901");

        // The Secret's mount (/certs) and the data volume (/data) become folders of this test.
        var pki = TestPki.Instance;
        var (cert, key) = pki.WritePem(pki.IssueServer("localhost", ["localhost"]), _dir.Combine("certs"), "tls");
        File.Move(cert, _dir.Combine("certs", "tls.crt"));
        File.Move(key, _dir.Combine("certs", "tls.key"));
        var config = _dir.Combine("appsettings.json");
        File.WriteAllText(config, json.Replace("/certs/", _dir.Combine("certs") + "/").Replace("\"/data\"", JsonSerializer.Serialize(_dir.Combine("data"))));

        var (exit, findings) = Check(config);

        exit.Should().Be(0, findings);
        findings.Should().NotContain("FAIL").And.Contain("OK Kestrel:Endpoints:Https:Certificate");
    }

    [Fact]
    public void ImageDefaultConfig_PassesEdgeProxyCheck()
    {
        var (exit, findings) = Check(Repo.Path("docker", "config", "appsettings.json"));

        exit.Should().Be(0, findings);
        findings.Should().NotContain("FAIL");
    }

    [ToolFact("kubectl")]
    public async Task ProxyProtocolVariant_SetsTheKeyAndTheAnnotation_AndSpreadsLoad()
    {
        var objects = await RenderAsync("docker/kubernetes/proxy-protocol");
        var service = Single(objects, "Service");
        var env = Single(objects, "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray()
            .ToDictionary(e => (string)e!["name"]!, e => (string)e!["value"]!);

        ((string)service["spec"]!["externalTrafficPolicy"]!).Should().Be("Cluster");
        ((string)service["metadata"]!["annotations"]!["service.beta.kubernetes.io/aws-load-balancer-proxy-protocol"]!).Should().Be("*");
        env.Should().Contain("EdgeProxy__TrustedProxies__ProxyProtocol__0", "Https");
        env.Should().ContainKey("EdgeProxy__TrustedProxies__Networks__0", "PROXY headers are accepted only from trusted networks");
    }

    [ToolFact("kubectl")]
    public async Task CertManagerVariant_LeavesTheSecretToCertManager()
    {
        var objects = await RenderAsync("docker/kubernetes/cert-manager");

        ((string)Single(objects, "Certificate")["spec"]!["secretName"]!).Should().Be("edgeproxy-tls");
    }

    [ToolFact("kubectl")]
    public async Task AdminPort_OnlyFromMonitoring_PublicPortsFromAnyone_AndPrometheusIsToldWhereToScrape()
    {
        var objects = await RenderAsync("docker/kubernetes");
        var deployment = Single(objects, "Deployment");
        var podLabels = deployment["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        var policy = Single(objects, "NetworkPolicy");

        foreach (var (key, value) in policy["spec"]!["podSelector"]!["matchLabels"]!.AsObject())
        {
            ((string?)podLabels[key]).Should().Be((string?)value, "the policy must select EdgeProxy's pods, and only those");
        }

        policy["spec"]!["podSelector"]!["matchLabels"]!.AsObject().Should().NotBeEmpty();
        policy["spec"]!["policyTypes"]!.AsArray().Select(t => (string)t!).Should().Equal("Ingress");
        var rules = policy["spec"]!["ingress"]!.AsArray().Select(r => r!).ToList();
        var open = rules.Where(r => r["from"] is null).SelectMany(r => r["ports"]!.AsArray().Select(p => (string)p!["port"]!)).ToList();
        open.Should().BeEquivalentTo(["http", "https"], "the public ports take anyone; the admin port is not among them");
        var adminRule = rules.Single(r => r["ports"]!.AsArray().Any(p => (string)p!["port"]! == "admin"));
        adminRule["from"]!.AsArray().Should().ContainSingle().Which!["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]!.ToString().Should().Be("monitoring");
        var ports = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["ports"]!.AsArray().Select(p => (string)p!["name"]!);
        ports.Should().BeEquivalentTo(["http", "https", "admin"], "every named port the policy uses exists, and no other is open");

        var annotations = deployment["spec"]!["template"]!["metadata"]!["annotations"]!;
        ((string)annotations["prometheus.io/scrape"]!).Should().Be("true");
        ((string)annotations["prometheus.io/port"]!).Should().Be("9901");
        ((string)annotations["prometheus.io/path"]!).Should().Be("/metrics");
    }

    [ToolFact("kubectl")]
    public async Task PrometheusOperatorVariant_ServiceMonitorFindsTheAdminPortOfEdgeProxysPods()
    {
        var objects = await RenderAsync("docker/kubernetes/prometheus-operator");
        var podLabels = Single(objects, "Deployment")["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        var metrics = objects.Single(o => (string)o["kind"]! == "Service" && (string)o["metadata"]!["name"]! == "edgeproxy-metrics");
        var monitor = Single(objects, "ServiceMonitor");

        ((string)metrics["spec"]!["type"]!).Should().Be("ClusterIP", "the admin port never leaves the cluster");
        foreach (var (key, value) in metrics["spec"]!["selector"]!.AsObject())
        {
            ((string?)podLabels[key]).Should().Be((string?)value, "the metrics Service selects EdgeProxy's pods");
        }

        metrics["spec"]!["ports"]!.AsArray().Should().ContainSingle().Which!["targetPort"]!.ToString().Should().Be("admin");
        foreach (var (key, value) in monitor["spec"]!["selector"]!["matchLabels"]!.AsObject())
        {
            ((string?)metrics["metadata"]!["labels"]![key]).Should().Be((string?)value, "the ServiceMonitor selects the metrics Service");
        }

        var endpoint = monitor["spec"]!["endpoints"]![0]!;
        ((string)endpoint["port"]!).Should().Be("admin");
        ((string)endpoint["path"]!).Should().Be("/metrics");
        objects.Count(o => (string)o["kind"]! == "Service").Should().Be(2, "the public LoadBalancer Service stays as it is");
    }

    [ToolTheory("kubectl")]
    [InlineData("docker/kubernetes")]
    [InlineData("docker/kubernetes/proxy-protocol")]
    [InlineData("docker/kubernetes/cert-manager")]
    [InlineData("docker/kubernetes/prometheus-operator")]
    public async Task EveryVariant_RunsTheReleasedVersion_NeverLatest(string folder)
    {
        var version = System.Xml.Linq.XDocument.Load(Repo.Path("src", "EdgeProxy", "EdgeProxy.csproj")).Descendants("VersionPrefix").Single().Value;
        var image = (string)Single(await RenderAsync(folder), "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!;

        image.Should().EndWith(":" + version, "a versioned tag: a rollout and a rollback name what they run");
        File.ReadAllText(Repo.Path("docker", "Dockerfile")).Should().Contain($"ARG VERSION={version}", "the image's OCI version label is the same release");
    }

    /// <summary>The preStop's wait: the exec form (<c>/bin/sleep N</c>, any Kubernetes version) or the native sleep action.</summary>
    private static int PreStopSeconds(JsonNode container)
    {
        var preStop = container["lifecycle"]!["preStop"]!;
        if (preStop["exec"] is { } exec)
        {
            var command = exec["command"]!.AsArray().Select(c => (string)c!).ToList();
            command.Should().HaveCount(2).And.Subject.First().Should().Be("/bin/sleep", "an absolute path: the image has no shell PATH lookup to rely on");
            return int.Parse(command[1], System.Globalization.CultureInfo.InvariantCulture);
        }

        return (int)preStop["sleep"]!["seconds"]!;
    }

    private static (int Exit, string Findings) Check(string config)
    {
        using var output = new StringWriter();
        var exit = CheckCommand.Run(new CommandLine("check", config, []), Path.GetDirectoryName(config)!, output, output);
        return (exit, output.ToString());
    }

    private static JsonNode Single(IEnumerable<JsonNode> objects, string kind) => objects.Single(o => (string)o["kind"]! == kind);

    /// <summary>kubectl kustomize renders; kubectl annotate --local turns the YAML into JSON without a cluster.</summary>
    private static async Task<List<JsonNode>> RenderAsync(string folder)
    {
        var kubectl = ExternalTool.Require("kubectl");
        var yaml = await ExternalTool.RunAsync(kubectl, ["kustomize", Repo.Path(folder)], TimeSpan.FromSeconds(60));
        yaml.ExitCode.Should().Be(0, yaml.StdErr);
        var json = await ExternalTool.RunAsync(kubectl, ["annotate", "--local", "-f", "-", "-o", "json", "edgeproxy.test/rendered=true"], TimeSpan.FromSeconds(60), stdin: yaml.StdOut);
        json.ExitCode.Should().Be(0, json.StdErr);

        var objects = new List<JsonNode>();
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json.StdOut));
        await foreach (var node in JsonSerializer.DeserializeAsyncEnumerable<JsonNode>(stream, topLevelValues: true))
        {
            objects.Add(node!);
        }

        return objects;
    }
}
