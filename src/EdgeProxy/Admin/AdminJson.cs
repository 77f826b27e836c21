using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeProxy.Acme;
using EdgeProxy.Admin.Status;

namespace EdgeProxy.Admin;

/// <summary>
/// The JSON the admin listener answers (<c>/status.json</c>, <c>/acme</c>), written by System.Text.Json's source generator:
/// no reflection at run time, so a native-AOT build writes the same documents. Web defaults (camelCase), indented, enums by name.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(StatusSnapshot))]
[JsonSerializable(typeof(Dictionary<string, AcmeStatus.HostStatus>))]
internal sealed partial class AdminJson : JsonSerializerContext;
