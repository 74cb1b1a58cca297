using System.Net;
using System.Text;
using System.Text.Json;
using Portal.Contracts.Compression;
using Portal.Contracts.Datasets;
using Portal.Contracts.Jobs;
using Portal.Contracts.Registry;
using Portal.Contracts.Training;
using Portal.Engine.Data;
using Portal.Engine.Onnx;
using Portal.Engine.Weights;
using Portal.Server.Auth;
using Portal.Server.Tests.Datasets;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Tests.Jobs;

namespace Portal.Server.Tests.Training;

[Collection(TrainingCollection.Name)]
public sealed class TextTrainingTests(TrainingPortal portal) : IClassFixture<TrainingPortal>
{
    /// <summary>Token ids [12] through a small embedding, mean pooling over the unpadded tokens, and a linear head for 2 classes.</summary>
    private static object TokenSpec(int vocabulary = 64) => new
    {
        name = "tiny-bag",
        inputShape = new[] { 12 },
        tokens = new { paddingId = 0 },
        layers = new object[]
        {
            new { type = "embedding", vocabulary, width = 8, paddingIndex = 0 },
            new { type = "sequencePool", pooling = "mean" },
            new { type = "linear", outFeatures = 2 },
        },
    };

    /// <summary>Texts of 3 to 15 words, sport words for one class and money words for the other, with a shared filler word.</summary>
    private static byte[] Texts(int count, int seed)
    {
        string[][] words = [["goal", "match", "team", "score", "league", "coach"], ["bank", "stock", "bond", "price", "loan", "market"]];
        var random = new Random(seed);
        var csv = new StringBuilder("text,label\n");
        for (var i = 0; i < count; i++)
        {
            var label = i % 2;
            var text = string.Join(' ', Enumerable.Range(0, random.Next(3, 16)).Select(_ => random.Next(4) == 0 ? "the" : words[label][random.Next(6)]));
            csv.Append($"{text},{(label == 0 ? "sport" : "money")}\n");
        }
        return Encoding.UTF8.GetBytes(csv.ToString());
    }

    private static async Task<DatasetView> Upload(HttpClient client, byte[] texts, params (string, string)[] fields) =>
        await (await client.PostAsync("/api/v1/datasets/text", Uploads.Text($"words-{Guid.NewGuid().ToString("N")[..8]}", texts, fields)))
            .ReadJson<DatasetView>(HttpStatusCode.Created);

    [Fact]
    public async Task A_token_spec_trains_on_a_text_dataset_and_its_weights_carry_the_tokenizer()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        var train = await Upload(user.Client, Texts(200, seed: 1));
        var validation = await Upload(user.Client, Texts(60, seed: 2), ("vocabularyFrom", train.Name));

        var created = await TrainingPortal.CreateRun(user.Client, new
        {
            name = "words",
            datasetId = train.Id,
            validationDatasetId = validation.Id,
            spec = TokenSpec(),
            options = new { epochs = 3, batchSize = 16, learningRate = 0.05, seed = 3 },
        });
        await user.Client.WaitForJob(created.JobId, JobState.Succeeded);

        var metrics = await user.Client.GetJson<RunEpochView[]>($"/api/v1/runs/{created.Id}/metrics");
        Assert.True(metrics[^1].TrainLoss < metrics[0].TrainLoss, $"loss {metrics[0].TrainLoss} then {metrics[^1].TrainLoss}");
        Assert.True(metrics[^1].ValidationAccuracy > 0.9, $"validation accuracy {metrics[^1].ValidationAccuracy}");
        var file = SafetensorsReader.Read(await (await user.Client.GetAsync($"/api/v1/runs/{created.Id}/artifacts/weights")).Content.ReadAsByteArrayAsync());
        var tokenizer = await File.ReadAllTextAsync(Path.Combine(portal.Storage.DataDirectory, "artifacts", train.TokenizerArtifact![..2], train.TokenizerArtifact));
        Assert.Equal(tokenizer, file.Metadata[OnnxMetadataKeys.Tokenizer]);
        Assert.Equal(["money", "sport"], JsonSerializer.Deserialize<string[]>(file.Metadata[OnnxMetadataKeys.ClassLabels])!);
        Assert.False(file.Metadata.ContainsKey(OnnxMetadataKeys.Standardization));
    }

    [Fact]
    public async Task A_float_spec_on_texts_and_a_token_spec_on_images_are_refused_naming_both()
    {
        var client = await portal.CreateClientAs(PortalRoles.Contributor);
        var texts = await Upload(client, Texts(20, seed: 4));
        var images = await TrainingPortal.UploadBlobs(client, 30, seed: 5);

        await (await client.PostJson("/api/v1/runs", new { name = "r", datasetId = texts.Id, spec = TrainingPortal.TinySpec }))
            .AssertProblem(HttpStatusCode.BadRequest, "Model 'tiny-mlp' takes float features [36]", $"dataset '{texts.Name}' holds texts");
        await (await client.PostJson("/api/v1/runs", new { name = "r", datasetId = images, spec = TokenSpec() }))
            .AssertProblem(HttpStatusCode.BadRequest, "Model 'tiny-bag' takes token ids [12]", "holds features of shape [1,6,6], not texts");
        await (await client.PostJson("/api/v1/runs", new { name = "r", datasetId = texts.Id, spec = TokenSpec(vocabulary: 4) }))
            .AssertProblem(HttpStatusCode.BadRequest, "embedding of vocabulary 4", $"the tokenizer of '{texts.Name}' has");
        await (await client.PostJson("/api/v1/runs", new { name = "r", datasetId = texts.Id, spec = TokenSpec(), options = new { standardization = "perFeature" } }))
            .AssertProblem(HttpStatusCode.BadRequest, "token ids, which are categories");
    }

    [Fact]
    public async Task A_text_version_registers_and_a_run_fine_tuned_from_it_reads_new_texts_through_the_parents_tokenizer()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        var train = await Upload(user.Client, Texts(200, seed: 6));
        var test = await Upload(user.Client, Texts(60, seed: 7), ("vocabularyFrom", train.Name));
        var options = new { epochs = 2, batchSize = 16, learningRate = 0.05, seed = 3 };
        var parentRun = await TrainingPortal.CreateRun(user.Client, new { name = "words-parent", datasetId = train.Id, spec = TokenSpec(), options });
        await user.Client.WaitForJob(parentRun.JobId, JobState.Succeeded);
        var model = $"words-{Guid.NewGuid().ToString("N")[..8]}";
        (await user.Client.PostJson("/api/v1/models", new { name = model })).EnsureSuccessStatusCode();

        var version = await (await user.Client.PostJson($"/api/v1/models/{model}/versions", new { runId = parentRun.Id, evaluationDatasetId = test.Id }))
            .ReadJson<VersionView>(HttpStatusCode.Created);

        // Other texts, whose own vocabulary numbers the words differently from the parent's.
        var other = await Upload(user.Client, Encoding.UTF8.GetBytes("text,label\n" + string.Concat(Enumerable.Range(0, 40).Select(i =>
            i % 2 == 0 ? "penalty goal goal match team,sport\n" : "interest loan loan bank stock,money\n"))), ("minCount", "1"));
        var otherTokenizer = WordTokenizer.FromJson(await File.ReadAllTextAsync(Artifact(other.TokenizerArtifact!)));
        var parentTokenizer = WordTokenizer.FromJson(await File.ReadAllTextAsync(Artifact(train.TokenizerArtifact!)));
        Assert.NotEqual(parentTokenizer.Encode("goal bank"), otherTokenizer.Encode("goal bank"));
        var tuned = await TrainingPortal.CreateRun(user.Client, new
        {
            name = "words-tuned",
            datasetId = other.Id,
            spec = TokenSpec(),
            options,
            fromVersion = new { model, version = version.Number, freezeBody = true },
        });
        await user.Client.WaitForJob(tuned.JobId, JobState.Succeeded);

        var file = SafetensorsReader.Read(await (await user.Client.GetAsync($"/api/v1/runs/{tuned.Id}/artifacts/weights")).Content.ReadAsByteArrayAsync());
        Assert.Equal(parentTokenizer.ToJson(), WordTokenizer.FromJson(file.Metadata[OnnxMetadataKeys.Tokenizer]).ToJson());
        var metrics = await user.Client.GetJson<RunEpochView[]>($"/api/v1/runs/{tuned.Id}/metrics");
        Assert.True(metrics[^1].TrainAccuracy > 0.9, $"train accuracy {metrics[^1].TrainAccuracy} through the parent's tokenizer");
    }

    [Fact]
    public async Task A_text_version_compresses_to_dynamic_int8_through_its_tokenizer_and_the_child_carries_it()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        var train = await Upload(user.Client, Texts(200, seed: 8));
        var test = await Upload(user.Client, Texts(60, seed: 9), ("vocabularyFrom", train.Name));
        var run = await TrainingPortal.CreateRun(user.Client, new { name = "words-int8", datasetId = train.Id, spec = TokenSpec(), options = new { epochs = 2, batchSize = 16, learningRate = 0.05, seed = 3 } });
        await user.Client.WaitForJob(run.JobId, JobState.Succeeded);
        var model = $"words-{Guid.NewGuid().ToString("N")[..8]}";
        (await user.Client.PostJson("/api/v1/models", new { name = model })).EnsureSuccessStatusCode();
        var parent = await (await user.Client.PostJson($"/api/v1/models/{model}/versions", new { runId = run.Id, evaluationDatasetId = test.Id }))
            .ReadJson<VersionView>(HttpStatusCode.Created);

        var compression = await (await user.Client.PostJson($"/api/v1/models/{model}/versions/{parent.Number}/compressions", new { recipe = new { method = "quantize-int8", tolerancePoints = 100.0 } }))
            .ReadJson<CompressionView>(HttpStatusCode.Accepted);
        await user.Client.WaitForJob(compression.JobId, JobState.Succeeded);

        var child = await user.Client.GetJson<VersionView>($"/api/v1/models/{model}/versions/{parent.Number + 1}");
        Assert.Equal("u8s8-w7-dynamic", child.Evidence.Compression!.Value.GetProperty("quantization").GetProperty("form").GetString());
        Assert.True(child.Evidence.Accuracy > 0.8, $"accuracy {child.Evidence.Accuracy} on the test texts through the parent's tokenizer");
        var onnx = await (await user.Client.GetAsync($"/api/v1/models/{model}/versions/{child.Number}/artifacts/onnx")).Content.ReadAsByteArrayAsync();
        Assert.Equal(await File.ReadAllTextAsync(Artifact(train.TokenizerArtifact!)), OnnxInspector.Read(onnx).Metadata[OnnxMetadataKeys.Tokenizer]);
    }

    private string Artifact(string sha) => Path.Combine(portal.Storage.DataDirectory, "artifacts", sha[..2], sha);
}
