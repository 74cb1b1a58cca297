using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Datasets;
using Portal.Contracts.Jobs;
using Portal.Contracts.Registry;
using Portal.Contracts.Training;
using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Weights;
using Portal.Server.Tests.Datasets;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Tests.Jobs;
using Portal.Server.Tests.Registry;

namespace Portal.Server.Tests.Training;

/// <summary>Runs that start from a registered version: frozen or not, with a new head, refused when the spec differs, and their lineage.</summary>
[Collection(RegistryCollection.Name)]
public sealed class FineTuningTests(RegistryFixture fixture)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private static readonly object s_options = new { epochs = 2, batchSize = 16, learningRate = 0.05, seed = 11 };

    [Fact]
    public async Task A_frozen_body_leaves_training_bit_identical_with_its_batch_norm_statistics_while_the_head_learns()
    {
        var model = await fixture.CreateModel("frozen");
        var spec = new ModelSpec("tiny-bn", [SyntheticImages.Pixels], [new LinearLayer(8), new BatchNorm1dLayer(), new ReLULayer(), new LinearLayer(2)]);
        var parentRun = await Train("tiny-bn-parent", fixture.TrainDatasetId, spec, null);
        var parent = await Register(model, parentRun.Id);

        var tuned = await Train("tiny-bn-frozen", fixture.TrainDatasetId, spec, new FineTuneRequest(model, parent.Number, FreezeBody: true));

        var before = SafetensorsReader.Read(await fixture.Viewer.GetByteArrayAsync($"/api/v1/runs/{parentRun.Id}/artifacts/weights"));
        var after = SafetensorsReader.Read(await fixture.Viewer.GetByteArrayAsync($"/api/v1/runs/{tuned.Id}/artifacts/weights"));
        foreach (var name in new[] { "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var" })
            Assert.Equal(before.Weights[name].Data, after.Weights[name].Data);
        Assert.NotEqual(before.Weights["3.weight"].Data, after.Weights["3.weight"].Data);
        Assert.Equal(Standardization(before).Mean, Standardization(after).Mean);
        Assert.Equal(Standardization(before).Std, Standardization(after).Std);
    }

    [Fact]
    public async Task Fine_tuning_on_other_classes_trains_a_new_head_of_their_width_on_the_parents_body()
    {
        var model = await fixture.CreateModel("new-head");
        var parent = await fixture.RegisterFromRun(model);
        var threeClasses = await ThreeClassDataset();
        var spec = RegistryFixture.Spec with { Name = "tiny-mlp-3", Layers = [new LinearLayer(8), new ReLULayer(), new LinearLayer(3)] };

        var tuned = await Train("tiny-three", threeClasses, spec, new FineTuneRequest(model, parent.Number, FreezeBody: true));

        var before = SafetensorsReader.Read(await fixture.Viewer.GetByteArrayAsync($"/api/v1/runs/{fixture.RunId}/artifacts/weights"));
        var after = SafetensorsReader.Read(await fixture.Viewer.GetByteArrayAsync($"/api/v1/runs/{tuned.Id}/artifacts/weights"));
        Assert.Equal(before.Weights["0.weight"].Data, after.Weights["0.weight"].Data);
        Assert.Equal(before.Weights["0.bias"].Data, after.Weights["0.bias"].Data);
        Assert.Equal([3, 8], after.Weights["2.weight"].Shape);
        Assert.Equal(["left", "middle", "right"], JsonSerializer.Deserialize<string[]>(after.Metadata[OnnxMetadataKeys.ClassLabels], s_json)!);
    }

    [Fact]
    public async Task A_run_fine_tuned_from_a_version_records_it_and_so_does_the_version_registered_from_the_run()
    {
        var model = await fixture.CreateModel("lineage");
        var parent = await fixture.RegisterFromRun(model);

        var tuned = await Train("tiny-all", fixture.TrainDatasetId, RegistryFixture.Spec, new FineTuneRequest(model, parent.Number));

        Assert.Equal(new FineTunedFrom(parent.Id, model, parent.Number, FreezeBody: false), tuned.FineTunedFrom);
        var listed = await fixture.Viewer.GetJson<Portal.Contracts.Page<RunView>>("/api/v1/runs?limit=500");
        Assert.Equal(tuned.FineTunedFrom, listed.Items.Single(r => r.Id == tuned.Id).FineTunedFrom);
        var child = await Register(model, tuned.Id);
        Assert.Equal("Run", child.Lineage.Source);
        Assert.Equal(tuned.Id, child.Lineage.RunId);
        Assert.Equal(tuned.FineTunedFrom, child.Lineage.FineTunedFrom);
        Assert.Null((await fixture.Viewer.GetJson<VersionView>($"/api/v1/models/{model}/versions/{parent.Number}")).Lineage.FineTunedFrom);
        var audit = await fixture.Viewer.AuditEvents("run.create", tuned.Id.ToString());
        Assert.Contains(model, Assert.Single(audit).Details);
    }

    [Theory]
    [InlineData("[{\"type\":\"linear\",\"outFeatures\":6},{\"type\":\"relu\"},{\"type\":\"linear\",\"outFeatures\":2}]", "layers[0]")]
    [InlineData("[{\"type\":\"linear\",\"outFeatures\":8},{\"type\":\"tanh\"},{\"type\":\"linear\",\"outFeatures\":2}]", "layers[1]")]
    [InlineData("[{\"type\":\"linear\",\"outFeatures\":8},{\"type\":\"relu\"},{\"type\":\"linear\",\"outFeatures\":2,\"bias\":false}]", "layers[2] is the head")]
    [InlineData("[{\"type\":\"linear\",\"outFeatures\":8},{\"type\":\"relu\"},{\"type\":\"sequential\",\"layers\":[{\"type\":\"linear\",\"outFeatures\":2}]}]", "layers[2]")]
    public async Task A_spec_that_differs_from_the_versions_elsewhere_than_the_head_width_is_refused_naming_the_layer_and_queues_nothing(string layers, string named)
    {
        var model = await fixture.CreateModel("misfit");
        var parent = await fixture.RegisterFromRun(model);
        var runsBefore = await RunCount();
        var body = $"{{\"name\":\"misfit\",\"datasetId\":\"{fixture.TrainDatasetId}\",\"spec\":{{\"name\":\"tiny\",\"inputShape\":[{SyntheticImages.Pixels}],\"layers\":{layers}}},"
            + $"\"fromVersion\":{{\"model\":\"{model}\",\"version\":{parent.Number}}}}}";

        var response = await fixture.Contributor.PostAsync("/api/v1/runs", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = await response.ProblemDetail();
        Assert.Contains(named, detail);
        Assert.Contains("fromVersion", detail);
        Assert.Equal(runsBefore, await RunCount());
    }

    [Fact]
    public async Task Fine_tuning_a_version_that_does_not_exist_is_refused_naming_it()
    {
        var model = await fixture.CreateModel("absent");

        var response = await fixture.Contributor.PostJson("/api/v1/runs", new
        {
            name = "absent",
            datasetId = fixture.TrainDatasetId,
            spec = JsonSerializer.Deserialize<JsonElement>(RegistryFixture.Spec.ToJson()),
            fromVersion = new { model, version = 7 },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"'{model}' has no version 7", await response.ProblemDetail());
    }

    private async Task<RunView> Train(string name, Guid datasetId, ModelSpec spec, FineTuneRequest? from)
    {
        var response = await fixture.Contributor.PostJson("/api/v1/runs", new
        {
            name,
            datasetId,
            spec = JsonSerializer.Deserialize<JsonElement>(spec.ToJson()),
            options = s_options,
            fromVersion = from,
        });
        var run = await response.ReadJson<RunView>(HttpStatusCode.Created);
        await fixture.Viewer.WaitForJob(run.JobId, JobState.Succeeded, TimeSpan.FromMinutes(2));
        return await fixture.Viewer.GetJson<RunView>($"/api/v1/runs/{run.Id}");
    }

    private async Task<VersionView> Register(string model, Guid runId) =>
        await (await fixture.Contributor.PostJson($"/api/v1/models/{model}/versions", new { runId, evaluationDatasetId = fixture.TestDatasetId }))
            .ReadJson<VersionView>(HttpStatusCode.Created);

    private Task<int> RunCount() => fixture.Portal.InDatabase(db => db.Runs.CountAsync());

    private static FeatureStandardization Standardization(SafetensorsFile file) =>
        JsonSerializer.Deserialize<FeatureStandardization>(file.Metadata[OnnxMetadataKeys.Standardization], s_json)!;

    /// <summary>Three classes of 16 values, each bright in its own third, uploaded as CSV.</summary>
    private async Task<Guid> ThreeClassDataset()
    {
        var names = new[] { "left", "middle", "right" };
        var random = new Random(5);
        var csv = new StringBuilder(string.Join(',', Enumerable.Range(0, SyntheticImages.Pixels).Select(i => $"p{i}")) + ",label\n");
        for (var row = 0; row < 60; row++)
        {
            var label = row % 3;
            var values = Enumerable.Range(0, SyntheticImages.Pixels).Select(p => ((p * 3 / SyntheticImages.Pixels == label ? 190 : 50) + random.Next(-30, 31)).ToString(CultureInfo.InvariantCulture));
            csv.Append(string.Join(',', values)).Append(',').Append(names[label]).Append('\n');
        }
        var response = await fixture.Contributor.PostAsync("/api/v1/datasets/csv",
            Uploads.Csv($"three-{Guid.NewGuid():N}"[..14], csv.ToString(), ("labelColumn", "label"), ("header", "true"), ("task", "classification")));
        return (await response.ReadJson<DatasetView>(HttpStatusCode.Created)).Id;
    }
}
