using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Serving;

/// <summary>
/// The /v2 handlers write their JSON by hand, so the OpenAPI document describes them with separate types; these
/// tests hold the two together: the documented example is served, and every field answered is documented.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class InferenceProtocolDocumentTests(ServingPortal portal)
{
    [Fact]
    public async Task The_documented_inference_example_is_answered_with_the_documented_fields()
    {
        var model = await portal.CreateModel();
        var document = await Document();
        var infer = document["paths"]!["/v2/models/{name}/infer"]!["post"]!;
        var example = infer["requestBody"]!["content"]!["application/json"]!["example"]!.ToJsonString();

        var response = await portal.Viewer.PostAsync($"/v2/models/{model}/infer", new StringContent(example, Encoding.UTF8, "application/json"));

        await response.AssertStatus(HttpStatusCode.OK);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        var schema = Schema(document, infer["responses"]!["200"]!["content"]!["application/json"]!["schema"]!);
        AssertDocumented(document, schema, answer, "the inference answer");
        Assert.Equal("request-42", (string?)answer["id"]);
    }

    [Theory]
    [InlineData("/v2")]
    [InlineData("/v2/models/{name}")]
    [InlineData("/v2/models/{name}/ready")]
    [InlineData("/v2/health/live")]
    [InlineData("/v2/health/ready")]
    public async Task Every_field_of_a_metadata_answer_is_documented(string path)
    {
        var model = await portal.CreateModel();
        var document = await Document();
        var schema = Schema(document, document["paths"]![path]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!["schema"]!);

        var answer = JsonNode.Parse(await portal.Viewer.GetStringAsync(path.Replace("{name}", model, StringComparison.Ordinal)))!.AsObject();

        AssertDocumented(document, schema, answer, $"GET {path}");
    }

    [Fact]
    public async Task The_documented_error_is_the_shape_of_a_refusal()
    {
        var document = await Document();
        var schema = Schema(document, document["paths"]!["/v2/models/{name}/infer"]!["post"]!["responses"]!["404"]!["content"]!["application/json"]!["schema"]!);

        var response = await portal.Viewer.Infer("no-such-model", InferCalls.Row(1));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        AssertDocumented(document, schema, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject(), "a refusal");
    }

    private async Task<JsonNode> Document() => JsonNode.Parse(await portal.AnonymousClient().GetStringAsync("/openapi/v1.json"))!;

    private static JsonObject Schema(JsonNode document, JsonNode schema) =>
        (schema["$ref"] is { } reference ? document["components"]!["schemas"]![((string)reference!).Split('/')[^1]]! : schema).AsObject();

    /// <summary>Every field of <paramref name="answer"/> is a documented property, every required property is there; nested objects likewise.</summary>
    private static void AssertDocumented(JsonNode document, JsonObject schema, JsonObject answer, string what)
    {
        var properties = schema["properties"]!.AsObject();
        foreach (var (field, value) in answer)
        {
            Assert.True(properties.ContainsKey(field), $"{what} has the field '{field}', which the document does not describe");
            var property = properties[field]!;
            var items = property["items"];
            if (value is JsonObject nested) AssertDocumented(document, Schema(document, property), nested, $"{what}.{field}");
            if (value is JsonArray array && items?["$ref"] is not null)
            {
                foreach (var element in array.OfType<JsonObject>()) AssertDocumented(document, Schema(document, items), element, $"{what}.{field}[]");
            }
        }
        foreach (var required in schema["required"]?.AsArray().Select(r => (string)r!) ?? [])
        {
            var nullable = properties[required]?["type"] is JsonArray types && types.Any(t => (string?)t == "null");
            Assert.True(answer.ContainsKey(required) || nullable, $"{what} lacks the field '{required}' the document requires");
        }
    }
}
