using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Portal.Contracts;
using Portal.Contracts.Registry;
using Portal.Engine.Onnx;
using Portal.Server.Api;
using Portal.Server.Registry;

namespace Portal.Server.Tests.Registry;

[Collection(RegistryCollection.Name)]
public sealed class VersionRegistrationTests(RegistryFixture fixture)
{
    [Fact]
    public async Task A_version_registered_from_a_run_carries_its_lineage_and_measured_evidence()
    {
        var model = await fixture.CreateModel("from-run");

        var version = await fixture.RegisterFromRun(model);

        Assert.Equal(1, version.Number);
        Assert.Equal("Run", version.Lineage.Source);
        Assert.Equal(fixture.RunId, version.Lineage.RunId);
        Assert.Null(version.Lineage.ParentVersionId);
        Assert.Equal(fixture.ContributorName, version.CreatedBy);
        Assert.Equal(["top", "bottom"], version.ClassNames);
        var evidence = version.Evidence;
        Assert.Equal(fixture.TestDatasetId, evidence.EvaluationDatasetId);
        Assert.Equal("synthetic-test", evidence.EvaluationDataset);
        // The two classes are linearly separable: a model that learned anything gets most of the held-out set right.
        Assert.InRange(evidence.Accuracy!.Value, 0.9, 1.0);
        Assert.Equal(fixture.TestCount, evidence.Evaluation!.Value.GetProperty("sampleCount").GetInt32());
        Assert.Equal(evidence.Accuracy.Value, evidence.Evaluation.Value.GetProperty("accuracy").GetDouble());
        Assert.True(evidence.LatencyP50Ms > 0);
        Assert.True(evidence.LatencyP50Ms <= evidence.LatencyP95Ms);
        Assert.True(evidence.ThroughputBatch64 > 0);
    }

    [Fact]
    public async Task The_exported_onnx_file_downloads_intact_and_names_its_version()
    {
        var model = await fixture.CreateModel("download");
        var version = await fixture.RegisterFromRun(model);
        var onnx = version.Artifacts.Single(a => a.Kind == "onnx");
        var weights = version.Artifacts.Single(a => a.Kind == "weights");

        var response = await fixture.Viewer.GetAsync(onnx.Url);
        response.EnsureSuccessStatusCode();
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(onnx.Sha256, Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.Equal(onnx.Size, bytes.Length);
        Assert.Equal($"{model}-v1.onnx", response.Content.Headers.ContentDisposition?.FileName);
        var info = OnnxInspector.Read(bytes);
        Assert.Equal(version.Id.ToString(), info.LineageId);
        Assert.Equal(["top", "bottom"], info.ClassLabels);
        Assert.Equal(StandardizationPlacements.FoldedIntoFirstLayer, info.Metadata[OnnxMetadataKeys.StandardizationPlacement]);

        Assert.Equal(fixture.WeightsSha, weights.Sha256);
        var weightBytes = await fixture.Viewer.GetByteArrayAsync(weights.Url);
        Assert.Equal(fixture.WeightsSha, Convert.ToHexStringLower(SHA256.HashData(weightBytes)));
    }

    [Fact]
    public async Task Registering_a_version_is_audited_with_its_evidence()
    {
        var model = await fixture.CreateModel("audited");
        var version = await fixture.RegisterFromRun(model);

        var events = await fixture.Viewer.AuditEvents("version.create", version.Id.ToString());

        var created = Assert.Single(events);
        Assert.Equal(fixture.ContributorName, created.Actor);
        Assert.Contains(fixture.RunId.ToString(), created.Details);
        Assert.Contains(version.Artifacts.Single(a => a.Kind == "onnx").Sha256, created.Details);
    }

    [Fact]
    public async Task Versions_are_numbered_per_model_and_listed_newest_first()
    {
        var model = await fixture.CreateModel("numbered");
        var other = await fixture.CreateModel("other");
        await fixture.RegisterFromRun(model);
        await fixture.RegisterFromRun(other);
        await fixture.RegisterFromRun(model);

        var page = await (await fixture.Viewer.GetAsync($"/api/v1/models/{model}/versions")).Read<Page<VersionSummary>>();
        var view = await (await fixture.Viewer.GetAsync($"/api/v1/models/{model}")).Read<ModelView>();

        Assert.Equal([2, 1], page.Items.Select(v => v.Number));
        Assert.Equal(2, page.Total);
        Assert.Equal(2, view.VersionCount);
        Assert.Equal(2, view.LatestVersion);
        var second = await (await fixture.Viewer.GetAsync($"/api/v1/models/{other}/versions/1")).Read<VersionView>();
        Assert.Equal(other, second.Model);
    }

    [Fact]
    public async Task A_run_that_has_not_succeeded_cannot_become_a_version()
    {
        var model = await fixture.CreateModel("unfinished");

        var response = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions", new { runId = fixture.UnfinishedRunId, evaluationDatasetId = fixture.TestDatasetId });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("Running", await response.ProblemDetail());
    }

    [Fact]
    public async Task A_run_on_a_dataset_without_a_known_test_set_needs_an_evaluation_dataset()
    {
        var model = await fixture.CreateModel("no-eval");

        var response = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions", new { runId = fixture.RunId });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = await response.ProblemDetail();
        Assert.Contains("synthetic-train", detail);
        Assert.Contains("evaluationDatasetId", detail);
    }

    [Fact]
    public async Task A_registration_without_a_run_says_it_needs_one()
    {
        var model = await fixture.CreateModel("no-run");

        var response = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions", new { evaluationDatasetId = fixture.TestDatasetId });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("runId", await response.ProblemDetail());
    }

    [Fact]
    public async Task Evidence_is_not_measured_on_the_data_the_model_was_trained_on()
    {
        var model = await fixture.CreateModel("train-eval");

        var response = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions", new { runId = fixture.RunId, evaluationDatasetId = fixture.TrainDatasetId });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("held-out", await response.ProblemDetail());
    }

    [Fact]
    public async Task Unknown_runs_datasets_models_versions_and_artifacts_are_not_found()
    {
        var model = await fixture.CreateModel("missing");
        await fixture.RegisterFromRun(model);

        var unknownRun = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions", new { runId = Guid.NewGuid(), evaluationDatasetId = fixture.TestDatasetId });
        var unknownDataset = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions", new { runId = fixture.RunId, evaluationDatasetId = Guid.NewGuid() });
        var unknownModel = await fixture.Contributor.PostAsJsonAsync("/api/v1/models/no-such-model/versions", new { runId = fixture.RunId, evaluationDatasetId = fixture.TestDatasetId });

        Assert.Equal(HttpStatusCode.NotFound, unknownRun.StatusCode);
        Assert.Contains("No training run", await unknownRun.ProblemDetail());
        Assert.Equal(HttpStatusCode.NotFound, unknownDataset.StatusCode);
        Assert.Contains("No dataset", await unknownDataset.ProblemDetail());
        Assert.Equal(HttpStatusCode.NotFound, unknownModel.StatusCode);
        Assert.Equal("No model 'no-such-model'.", await unknownModel.ProblemDetail());
        foreach (var url in new[]
        {
            "/api/v1/models/no-such-model",
            "/api/v1/models/no-such-model/versions",
            "/api/v1/models/no-such-model/aliases",
            $"/api/v1/models/{model}/versions/7",
            $"/api/v1/models/{model}/versions/7/artifacts/onnx",
            $"/api/v1/models/{model}/versions/1/artifacts/pdf",
        })
        {
            var response = await fixture.Viewer.GetAsync(url);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{url} answered {response.StatusCode}");
        }
    }
}
