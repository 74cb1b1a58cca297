using System.Net;
using Portal.Contracts.Jobs;
using Portal.Contracts.Training;
using Portal.Engine.Inference;
using Portal.Server.Jobs;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Tests.Jobs;
using Portal.Server.Tests.Registry;
using Portal.Server.Training;

namespace Portal.Server.Tests.Training;

[Collection(RegistryCollection.Name)]
public sealed class RunExportTests(RegistryFixture fixture)
{
    [Fact]
    public async Task A_run_exported_by_a_job_offers_an_onnx_file_that_loads_and_fits_its_data()
    {
        var runId = await NewSucceededRun("export-me");
        var before = await fixture.Viewer.GetAsync($"/api/v1/runs/{runId}/artifacts/onnx");
        Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
        Assert.Contains("exports", await before.ProblemDetail());

        var accepted = await fixture.Contributor.PostAsync($"/api/v1/runs/{runId}/exports", null);

        var queued = await accepted.ReadJson<JobView>(HttpStatusCode.Accepted);
        Assert.Equal(JobKinds.Export, queued.Kind);
        await fixture.Viewer.WaitForJob(queued.Id, JobState.Succeeded);
        var run = await fixture.Viewer.GetJson<RunView>($"/api/v1/runs/{runId}");
        Assert.Equal(queued.Id, run.ExportJobId);
        var onnx = await fixture.Viewer.GetByteArrayAsync($"/api/v1/runs/{runId}/artifacts/onnx");
        Assert.Equal(run.OnnxArtifact, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(onnx)));
        using var model = InferenceModel.Load(onnx, name: "exported run");
        Assert.Equal(SyntheticImages.Pixels, model.BatchedFloat!.InputValuesPerSample);
        Assert.Equal(SyntheticImages.ClassNames, model.Info.ClassLabels);
    }

    [Fact]
    public async Task A_run_without_weights_cannot_be_exported_and_no_job_is_queued()
    {
        var response = await fixture.Contributor.PostAsync($"/api/v1/runs/{fixture.UnfinishedRunId}/exports", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("no weights to export yet", await response.ProblemDetail());
        var run = await fixture.Viewer.GetJson<RunView>($"/api/v1/runs/{fixture.UnfinishedRunId}");
        Assert.Null(run.ExportJobId);
        var missing = await fixture.Contributor.PostAsync($"/api/v1/runs/{Guid.NewGuid()}/exports", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Exporting_is_contributor_work_that_a_viewer_may_not_start()
    {
        var runId = await NewSucceededRun("viewer-export");

        var response = await fixture.Viewer.PostAsync($"/api/v1/runs/{runId}/exports", null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    /// <summary>A run of its own (the fixture's run is shared), succeeded with the fixture's weights.</summary>
    private Task<Guid> NewSucceededRun(string name) => fixture.Portal.InDatabase(async db =>
    {
        var run = await db.Runs.FindAsync(fixture.RunId);
        var id = RegistryFixture.AddRun(db, name, RegistryFixture.Spec, fixture.TrainDatasetId, JobState.Succeeded, fixture.WeightsSha, null,
            System.Text.Json.JsonSerializer.Deserialize<Portal.Engine.Training.TrainingOptions>(run!.OptionsJson, HttpJson.Options)!);
        var added = db.ChangeTracker.Entries<TrainingRun>().Single(e => e.Entity.Id == id).Entity;
        added.StandardizationJson = run.StandardizationJson;
        await db.SaveChangesAsync();
        return id;
    });
}
