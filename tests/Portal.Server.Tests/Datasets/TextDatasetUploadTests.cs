using System.Net;
using System.Text;
using Portal.Contracts.Datasets;
using Portal.Engine.Data;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Datasets;

public sealed class TextDatasetUploadTests(DatasetsPortal portal) : IClassFixture<DatasetsPortal>
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    private const string Training = """
        text,label
        "The cat sat on the mat.",animals
        "A dog and a cat, friends.",animals
        "Stocks fell; the market is down.",money
        "The market rallied, stocks up.",money
        "My dog chased the cat.",animals
        """;

    private async Task<string> Tokenizer(string sha) =>
        Encoding.UTF8.GetString(await File.ReadAllBytesAsync(Path.Combine(portal.ArtifactsDirectory, sha[..2], sha)));

    [Fact]
    public async Task A_text_upload_registers_its_classes_and_stores_a_tokenizer_built_from_its_texts()
    {
        var client = await portal.CreateClientAs(PortalRoles.Contributor);
        var name = Unique("pets");

        var created = await (await client.PostAsync("/api/v1/datasets/text", Uploads.Text(name, Encoding.UTF8.GetBytes(Training), ("minCount", "1"))))
            .ReadJson<DatasetView>(HttpStatusCode.Created);

        Assert.Equal((DatasetFormat.Text, 5, 0), (created.Format, created.Count, created.SampleShape.Length));
        Assert.Equal(["animals", "money"], created.ClassNames);
        Assert.Equal(name, created.TextOptions!.Value.GetProperty("vocabularyFrom").GetString());
        Assert.Equal(1, created.TextOptions.Value.GetProperty("vocabulary").GetProperty("minCount").GetInt32());
        var tokenizer = WordTokenizer.FromJson(await Tokenizer(created.TokenizerArtifact!));
        Assert.Equal([tokenizer.Id("the"), tokenizer.Id("cat")], tokenizer.Encode("The CAT"));
        Assert.DoesNotContain(WordTokenizer.UnknownId, tokenizer.Encode("The cat sat on the mat."));
        Assert.Equivalent(created, await client.GetJson<DatasetView>($"/api/v1/datasets/{created.Id}"), strict: true);

        var statistics = await client.GetJson<TextStatisticsView>($"/api/v1/datasets/{created.Id}/text-statistics");
        Assert.Equal((5, 1.0, 1.0, tokenizer.VocabularySize), (statistics.Texts, statistics.TokenCoverage, statistics.WordCoverage, statistics.VocabularySize));
        Assert.Equal([("animals", 3), ("money", 2)], statistics.Classes.Select(c => (c.Name, c.Count)));
        Assert.Equal((6, 8), (statistics.Lengths.Min, statistics.Lengths.Max));
        Assert.Equal(5, statistics.LengthHistogram.Sum(b => b.Count));
    }

    [Fact]
    public async Task A_test_set_takes_its_training_sets_tokenizer_and_its_coverage_counts_unseen_words()
    {
        var client = await portal.CreateClientAs(PortalRoles.Contributor);
        var train = await (await client.PostAsync("/api/v1/datasets/text", Uploads.Text(Unique("train"), Encoding.UTF8.GetBytes(Training), ("minCount", "1"))))
            .ReadJson<DatasetView>(HttpStatusCode.Created);
        const string test = "{\"text\":\"the cat\",\"label\":\"animals\"}\n{\"text\":\"bonds slump\",\"label\":\"money\"}\n";

        var created = await (await client.PostAsync("/api/v1/datasets/text",
                Uploads.Text(Unique("test"), Encoding.UTF8.GetBytes(test), ("format", "jsonl"), ("vocabularyFrom", train.Name))))
            .ReadJson<DatasetView>(HttpStatusCode.Created);

        Assert.Equal(train.TokenizerArtifact, created.TokenizerArtifact);
        var statistics = await client.GetJson<TextStatisticsView>($"/api/v1/datasets/{created.Id}/text-statistics");
        Assert.Equal((4L, 2L, 0.5), (statistics.Tokens, statistics.UnknownTokens, statistics.TokenCoverage));
    }

    [Fact]
    public async Task A_bad_row_is_refused_naming_its_line_and_leaves_nothing_behind()
    {
        var client = await portal.CreateClientAs(PortalRoles.Contributor);
        const string jsonLines = "{\"text\":\"fine\",\"label\":\"a\"}\n{\"text\":\"no label\"}\n";

        await Refused(client, Uploads.Text(Unique("bad"), Encoding.UTF8.GetBytes(jsonLines), ("format", "jsonl")), "line 2 has no field 'label'");
        await Refused(client, Uploads.Text(Unique("bad"), Encoding.UTF8.GetBytes("text,label\nok,a\n\"\",b\n")), "line 3, column 'text': the text is missing");
    }

    [Fact]
    public async Task Bytes_that_are_not_utf8_are_refused_with_their_line()
    {
        var client = await portal.CreateClientAs(PortalRoles.Contributor);
        byte[] latin1 = [.. Encoding.UTF8.GetBytes("text,label\nok,a\ncaf"), 0xE9, .. Encoding.UTF8.GetBytes(",b\n")];

        await Refused(client, Uploads.Text(Unique("latin1"), latin1), "line 3 is not UTF-8");
    }

    [Fact]
    public async Task Statistics_of_a_dataset_that_is_not_text_are_refused()
    {
        var client = await portal.CreateClientAs(PortalRoles.Contributor);
        var csv = await (await client.PostAsync("/api/v1/datasets/csv", Uploads.Csv(Unique("numbers"), "a,b,label\n1,2,x\n3,4,y\n")))
            .ReadJson<DatasetView>(HttpStatusCode.Created);

        await (await client.GetAsync($"/api/v1/datasets/{csv.Id}/text-statistics")).AssertProblem(HttpStatusCode.BadRequest, "not texts");
        await (await client.GetAsync($"/api/v1/datasets/{Guid.NewGuid()}/text-statistics")).AssertStatus(HttpStatusCode.NotFound);
    }

    private async Task Refused(HttpClient client, HttpContent body, string detail)
    {
        var before = await portal.Contents();
        await (await client.PostAsync("/api/v1/datasets/text", body)).AssertProblem(HttpStatusCode.BadRequest, detail);
        var after = await portal.Contents();
        Assert.True(before.Same(after), $"The refused upload changed the store.\nbefore: {before}\nafter:  {after}");
    }
}
