using System.Net;
using System.Text.Json;
using Portal.Server.Datasets;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Datasets;

public sealed class DatasetUploadDocsTests(DatasetsPortal portal) : IClassFixture<DatasetsPortal>
{
    [Theory]
    [InlineData("/api/v1/datasets/csv")]
    [InlineData("/api/v1/datasets/idx")]
    public async Task The_openapi_document_describes_every_part_an_upload_takes_with_its_type_and_meaning(string path)
    {
        var response = await portal.AnonymousClient().GetAsync("/openapi/v1.json");
        using var document = JsonDocument.Parse(await (await response.AssertStatus(HttpStatusCode.OK)).Content.ReadAsStringAsync());
        var operation = document.RootElement.GetProperty("paths").GetProperty(path).GetProperty("post");
        var form = operation.GetProperty("requestBody").GetProperty("content").GetProperty("multipart/form-data");
        var properties = form.GetProperty("schema").GetProperty("properties");
        string[] takes = path.EndsWith("csv", StringComparison.Ordinal)
            ? [.. DatasetImporter.CsvFields, .. DatasetImporter.CsvFiles]
            : [.. DatasetImporter.IdxFields, .. DatasetImporter.IdxFiles];

        Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("description").GetString()));
        Assert.Equal(takes.Order(), properties.EnumerateObject().Select(p => p.Name).Order());
        foreach (var part in properties.EnumerateObject())
        {
            Assert.True(part.Value.TryGetProperty("type", out _), $"'{part.Name}' has no type");
            Assert.False(string.IsNullOrWhiteSpace(part.Value.GetProperty("description").GetString()), $"'{part.Name}' has no description");
        }
        Assert.Contains("name", form.GetProperty("schema").GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(JsonValueKind.Object, form.GetProperty("example").ValueKind);
        Assert.DoesNotContain("KeyValuePair", form.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_csv_options_document_their_defaults()
    {
        var response = await portal.AnonymousClient().GetAsync("/openapi/v1.json");
        var text = await (await response.AssertStatus(HttpStatusCode.OK)).Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        var properties = document.RootElement.GetProperty("paths").GetProperty("/api/v1/datasets/csv").GetProperty("post")
            .GetProperty("requestBody").GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties");

        Assert.True(properties.GetProperty("header").GetProperty("default").GetBoolean());
        Assert.Equal(0, properties.GetProperty("skipLines").GetProperty("default").GetInt32());
        Assert.Equal(",", properties.GetProperty("delimiter").GetProperty("default").GetString());
        Assert.Equal("classification", properties.GetProperty("task").GetProperty("default").GetString());
        Assert.Equal(["classification", "regression"], properties.GetProperty("task").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("binary", properties.GetProperty("file").GetProperty("format").GetString());
    }
}
