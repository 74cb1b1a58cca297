using System.Net;
using System.Text.Json.Nodes;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Auth;

/// <summary>
/// The OpenAPI document as a client reads it: every operation explained, every request body with a schema a client
/// can fill in (form fields by name and type, JSON with an example), every answer with its shape.
/// </summary>
public sealed class OpenApiDocumentationTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private static readonly string[] s_methods = ["get", "put", "post", "delete", "patch"];

    [Fact]
    public async Task Every_operation_has_a_summary_and_a_description()
    {
        var faults = Operations(await Document()).SelectMany(o => new[]
        {
            string.IsNullOrWhiteSpace((string?)o.Operation["summary"]) ? $"{o.Name} has no summary" : null,
            string.IsNullOrWhiteSpace((string?)o.Operation["description"]) ? $"{o.Name} has no description" : null,
        }).OfType<string>();
        AssertNone(faults);
    }

    [Fact]
    public async Task Every_multipart_request_names_its_fields_each_with_a_type()
    {
        var document = await Document();
        var faults = new List<string>();
        foreach (var (name, operation) in Operations(document))
        {
            if (operation["requestBody"]?["content"]?["multipart/form-data"] is not { } form) continue;
            var schema = Resolve(document, form["schema"]);
            if (schema?["properties"] is not JsonObject { Count: > 0 } fields)
            {
                faults.Add($"{name}: the multipart form names no fields");
                continue;
            }
            foreach (var (field, fieldSchema) in fields)
            {
                if (Resolve(document, fieldSchema)?["type"] is null) faults.Add($"{name}: form field '{field}' has no type");
            }
        }
        AssertNone(faults);
    }

    [Fact]
    public async Task Every_json_request_body_has_a_schema_down_to_its_last_field_and_an_example_of_it()
    {
        var document = await Document();
        var faults = new List<string>();
        foreach (var (name, operation) in Operations(document))
        {
            if (operation["requestBody"]?["content"]?["application/json"] is not { } json) continue;
            var schema = json["schema"];
            if (schema is null) faults.Add($"{name}: the JSON body has no schema");
            else EmptySchemas(document, schema, $"{name} body", [], faults);
            if (json["example"] is not { } example) faults.Add($"{name}: the JSON body has no example");
            else if (example is JsonObject given && schema is not null)
            {
                var declared = PropertyNames(document, schema);
                faults.AddRange(given.Where(p => !declared.Contains(p.Key)).Select(p => $"{name}: the example's field '{p.Key}' is not in the schema"));
            }
        }
        AssertNone(faults);
    }

    [Fact]
    public async Task Every_operation_describes_the_body_of_its_success()
    {
        var document = await Document();
        var faults = new List<string>();
        foreach (var (name, operation) in Operations(document))
        {
            var successes = (operation["responses"] as JsonObject ?? []).Where(r => r.Key.StartsWith('2')).ToList();
            if (successes.Count == 0) faults.Add($"{name} documents no success response");
            foreach (var (status, response) in successes.Where(r => r.Key != "204"))
            {
                if (response?["content"] is not JsonObject { Count: > 0 } contents) faults.Add($"{name}: response {status} has no content");
                else faults.AddRange(contents.Where(c => IsEmpty(Resolve(document, c.Value?["schema"])))
                    .Select(c => $"{name}: response {status} ({c.Key}) has no schema"));
            }
        }
        AssertNone(faults);
    }

    [Fact]
    public async Task The_inference_request_and_answer_are_the_open_inference_protocol_tensors()
    {
        var document = await Document();
        foreach (var path in new[] { "/v2/models/{name}/infer", "/v2/models/{name}/versions/{version}/infer" })
        {
            var infer = document["paths"]?[path]?["post"] ?? throw new Xunit.Sdk.XunitException($"No POST {path}");
            var request = Resolve(document, infer["requestBody"]?["content"]?["application/json"]?["schema"]);
            var input = Resolve(document, Resolve(document, request?["properties"]?["inputs"])?["items"]);
            foreach (var field in new[] { "name", "shape", "datatype", "data" })
                Assert.True(input?["properties"]?[field] is not null, $"POST {path}: an input tensor has no field '{field}'");
            var answer = Resolve(document, infer["responses"]?["200"]?["content"]?["application/json"]?["schema"]);
            var output = Resolve(document, Resolve(document, answer?["properties"]?["outputs"])?["items"]);
            foreach (var field in new[] { "name", "shape", "datatype", "data" })
                Assert.True(output?["properties"]?[field] is not null, $"POST {path}: an output tensor has no field '{field}'");
        }
    }

    [Fact]
    public async Task Every_inference_protocol_endpoint_is_in_the_document()
    {
        var paths = (JsonObject)(await Document())["paths"]!;
        foreach (var path in new[] { "/v2", "/v2/health/live", "/v2/health/ready", "/v2/models/{name}", "/v2/models/{name}/ready",
            "/v2/models/{name}/versions/{version}", "/v2/models/{name}/versions/{version}/ready" })
        {
            Assert.True(paths[path]?["get"] is not null, $"The document has no GET {path}");
        }
    }

    private async Task<JsonNode> Document()
    {
        var response = await portal.AnonymousClient().GetAsync("/openapi/v1.json");
        await response.AssertStatus(HttpStatusCode.OK);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static IEnumerable<(string Name, JsonNode Operation)> Operations(JsonNode document) =>
        from path in (JsonObject)document["paths"]!
        from method in s_methods
        where path.Value?[method] is not null
        select ($"{method.ToUpperInvariant()} {path.Key}", path.Value![method]!);

    private static JsonNode? Resolve(JsonNode document, JsonNode? schema) =>
        schema?["$ref"] is { } reference ? document["components"]?["schemas"]?[((string)reference!).Split('/')[^1]] : schema;

    private static bool IsEmpty(JsonNode? schema) =>
        schema is not JsonObject o || !new[] { "type", "$ref", "oneOf", "anyOf", "allOf", "enum", "const", "properties" }.Any(o.ContainsKey);

    /// <summary>Walks properties, items and alternatives; a schema that says nothing ("any value") is a fault.</summary>
    private static void EmptySchemas(JsonNode document, JsonNode schema, string where, HashSet<string> seen, List<string> faults)
    {
        if (schema["$ref"] is { } reference && !seen.Add((string)reference!)) return;
        var resolved = Resolve(document, schema);
        if (IsEmpty(resolved))
        {
            faults.Add($"{where} has an empty schema");
            return;
        }
        foreach (var (name, property) in resolved!["properties"] as JsonObject ?? [])
            EmptySchemas(document, property!, $"{where}.{name}", seen, faults);
        if (resolved["items"] is { } items) EmptySchemas(document, items, $"{where}[]", seen, faults);
        foreach (var alternative in new[] { "oneOf", "anyOf", "allOf" }.SelectMany(k => resolved[k] as JsonArray ?? []))
            EmptySchemas(document, alternative!, where, seen, faults);
    }

    private static HashSet<string> PropertyNames(JsonNode document, JsonNode schema)
    {
        var resolved = Resolve(document, schema);
        var names = (resolved?["properties"] as JsonObject ?? []).Select(p => p.Key).ToHashSet();
        foreach (var alternative in new[] { "oneOf", "anyOf", "allOf" }.SelectMany(k => resolved?[k] as JsonArray ?? []))
            names.UnionWith(PropertyNames(document, alternative!));
        return names;
    }

    private static void AssertNone(IEnumerable<string> faults)
    {
        var list = faults.ToList();
        Assert.True(list.Count == 0, $"{list.Count} faults in the OpenAPI document:\n{string.Join("\n", list)}");
    }
}
