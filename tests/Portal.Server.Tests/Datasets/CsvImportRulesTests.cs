using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts.Datasets;
using Portal.Server.Auth;
using Portal.Server.Datasets;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Datasets;

/// <summary>What an upload must say rather than guess: names, headers, options and the order of the classes.</summary>
public sealed class CsvImportRulesTests(DatasetsPortal portal) : IClassFixture<DatasetsPortal>
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    private async Task<HttpResponseMessage> PostCsv(string name, string csv, params (string Field, string Value)[] fields) =>
        await (await portal.CreateClientAs(PortalRoles.Contributor)).PostAsync("/api/v1/datasets/csv", Uploads.Csv(name, csv, fields));

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    public async Task A_dataset_name_is_refused_unless_it_follows_the_rule_of_model_names(string name)
    {
        var before = await portal.Contents();

        await (await PostCsv(name, "a,label\n1,x\n")).AssertProblem(HttpStatusCode.BadRequest, $"Dataset name '{name}' is not allowed", "letters, digits");
        var (images, labels) = IdxFiles.Separable(10, 4, 2, seed: 21);
        await (await (await portal.CreateClientAs(PortalRoles.Contributor)).PostAsync("/api/v1/datasets/idx", Uploads.Idx(name, images, labels)))
            .AssertProblem(HttpStatusCode.BadRequest, $"Dataset name '{name}' is not allowed");

        Assert.True(before.Same(await portal.Contents()), "A refused name left something behind.");
    }

    [Fact]
    public async Task A_first_line_of_numbers_is_refused_unless_the_header_option_says_what_it_is()
    {
        const string csv = "0.5,1,3\n2,4,5\n6,7,3\n";

        await (await PostCsv(Unique("digits"), csv)).AssertProblem(HttpStatusCode.BadRequest, "line 1 holds only numbers", "header");

        var asData = await (await PostCsv(Unique("digits"), csv, ("header", "false"))).ReadJson<DatasetView>(HttpStatusCode.Created);
        var asHeader = await (await PostCsv(Unique("digits"), csv, ("header", "true"))).ReadJson<DatasetView>(HttpStatusCode.Created);
        Assert.Equal((3, 2), (asData.Count, asHeader.Count));
        Assert.False(asData.CsvOptions!.Value.GetProperty("hasHeader").GetBoolean());
        Assert.True(asHeader.CsvOptions!.Value.GetProperty("hasHeader").GetBoolean());
    }

    [Fact]
    public async Task A_header_of_names_is_still_read_as_a_header_by_default_and_recorded_as_one()
    {
        var created = await (await PostCsv(Unique("named"), "a,label\n1,x\n2,y\n")).ReadJson<DatasetView>(HttpStatusCode.Created);

        Assert.Equal(2, created.Count);
        Assert.True(created.CsvOptions!.Value.GetProperty("hasHeader").GetBoolean());
    }

    [Theory]
    [InlineData("skip_rows", "1")]
    [InlineData("classes", "a,b")]
    public async Task An_unknown_form_field_is_refused_by_name(string field, string value)
    {
        var before = await portal.Contents();

        await (await PostCsv(Unique("typo"), "a,label\n1,x\n", (field, value))).AssertProblem(HttpStatusCode.BadRequest, $"unknown field '{field}'", "skipLines");

        Assert.True(before.Same(await portal.Contents()), "A refused upload left something behind.");
    }

    [Fact]
    public async Task The_class_order_given_at_import_fixes_the_label_coding_and_is_recorded()
    {
        const string csv = "radius,diagnosis\n1,benign\n9,malignant\n2,benign\n";

        var given = await (await PostCsv(Unique("cancer"), csv, ("classNames", "malignant, benign"))).ReadJson<DatasetView>(HttpStatusCode.Created);
        var sorted = await (await PostCsv(Unique("cancer"), csv)).ReadJson<DatasetView>(HttpStatusCode.Created);

        Assert.Equal(["malignant", "benign"], given.ClassNames);
        Assert.Equal(["malignant", "benign"], ClassNamesRecorded(given));
        Assert.Equal(["benign", "malignant"], ClassNamesRecorded(sorted));
        var loaded = await portal.Services.GetRequiredService<DatasetLoader>().Load(given.Id, default);
        Assert.Equal([1, 0, 1], loaded.Labels.ToArray());
    }

    [Fact]
    public async Task A_label_outside_the_given_class_names_is_refused_naming_it()
    {
        await (await PostCsv(Unique("cancer"), "radius,diagnosis\n1,benign\n9,malignant\n", ("classNames", "benign,healthy")))
            .AssertProblem(HttpStatusCode.BadRequest, "'malignant'", "not among the given class names [benign, healthy]");
    }

    private static string[] ClassNamesRecorded(DatasetView view) =>
        [.. view.CsvOptions!.Value.GetProperty("classNames").EnumerateArray().Select(e => e.GetString()!)];
}
