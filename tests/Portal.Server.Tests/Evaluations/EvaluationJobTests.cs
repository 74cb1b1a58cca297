using System.Net;
using System.Net.Http.Json;
using Portal.Contracts;
using Portal.Contracts.Evaluations;
using Portal.Contracts.Jobs;
using Portal.Contracts.Registry;
using Portal.Server.Evaluations;
using Portal.Server.Jobs;
using Portal.Server.Registry;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Tests.Jobs;
using Portal.Server.Tests.Registry;

namespace Portal.Server.Tests.Evaluations;

[Collection(RegistryCollection.Name)]
public sealed class EvaluationJobTests(RegistryFixture fixture)
{
    [Fact]
    public async Task A_version_evaluated_by_a_job_on_its_test_set_matches_the_accuracy_measured_at_registration()
    {
        var model = await fixture.CreateModel("evaluate");
        var version = await fixture.RegisterFromRun(model);

        var accepted = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions/{version.Number}/evaluations", new { datasetId = fixture.TestDatasetId });

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var queued = await accepted.ReadJson<EvaluationView>(HttpStatusCode.Accepted);
        Assert.Equal($"/api/v1/evaluations/{queued.Id}", accepted.Headers.Location?.OriginalString);
        var job = await fixture.Viewer.WaitForJob(queued.JobId, JobState.Succeeded);
        Assert.Equal(JobKinds.Evaluation, job.Kind);
        var done = await fixture.Viewer.GetJson<EvaluationView>($"/api/v1/evaluations/{queued.Id}");
        // Registration evaluates the TorchSharp model, the job its ONNX file: the same predictions up to float rounding.
        Assert.Equal(version.Evidence.Accuracy!.Value, done.Accuracy!.Value, 1.0 / fixture.TestCount);
        Assert.Equal(fixture.TestCount, done.Report!.SampleCount);
        Assert.Equal("synthetic-test", done.Dataset);
        Assert.NotNull(done.CompletedAt);
        var listed = await fixture.Viewer.GetJson<Page<EvaluationView>>($"/api/v1/models/{model}/versions/{version.Number}/evaluations");
        Assert.Equal(queued.Id, Assert.Single(listed.Items).Id);
    }

    [Fact]
    public async Task An_evaluation_on_a_dataset_the_model_does_not_fit_is_refused_before_a_job_is_queued()
    {
        var model = await fixture.CreateModel("evaluate-misfit");
        var version = await fixture.Contributor.ImportVersion(model, ImportCalls.Form(HandMadeOnnx.ThreeFeatures(), "three.onnx"));

        var response = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions/{version.Number}/evaluations", new { datasetId = fixture.TestDatasetId });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = await response.ProblemDetail();
        Assert.Contains("3 values per sample", detail);
        Assert.Contains("synthetic-test", detail);
        var listed = await fixture.Viewer.GetJson<Page<EvaluationView>>($"/api/v1/models/{model}/versions/{version.Number}/evaluations");
        Assert.Empty(listed.Items);
    }

    [Fact]
    public async Task An_evaluation_of_an_unknown_version_or_on_an_unknown_dataset_is_not_found()
    {
        var model = await fixture.CreateModel("evaluate-missing");
        var version = await fixture.RegisterFromRun(model);
        var missingDataset = Guid.NewGuid();

        var noDataset = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions/{version.Number}/evaluations", new { datasetId = missingDataset });
        var noVersion = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions/99/evaluations", new { datasetId = fixture.TestDatasetId });
        var noEvaluation = await fixture.Viewer.GetAsync($"/api/v1/evaluations/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.NotFound, noDataset.StatusCode);
        Assert.Contains(missingDataset.ToString(), await noDataset.ProblemDetail());
        Assert.Equal(HttpStatusCode.NotFound, noVersion.StatusCode);
        Assert.Contains("no version 99", await noVersion.ProblemDetail());
        Assert.Equal(HttpStatusCode.NotFound, noEvaluation.StatusCode);
    }
}
