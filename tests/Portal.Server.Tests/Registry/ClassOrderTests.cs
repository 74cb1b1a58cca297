using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Portal.Contracts.Datasets;
using Portal.Contracts.Evaluations;
using Portal.Contracts.Jobs;
using Portal.Contracts.Registry;
using Portal.Server.Datasets;
using Portal.Server.Evaluations;
using Portal.Server.Jobs;
using Portal.Server.Registry;
using Portal.Server.Tests.Datasets;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Tests.Jobs;

namespace Portal.Server.Tests.Registry;

/// <summary>
/// A model's classes are matched to a dataset's by name. The held-out images as a CSV with the labels spelt out sort
/// "bottom" before "top", the reverse of the model's coding (top = 0): scored by index they would look all wrong.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class ClassOrderTests(RegistryFixture fixture)
{
    [Fact]
    public async Task Registering_a_run_evaluates_a_test_set_coded_in_another_order_by_class_name()
    {
        var spelt = await UploadSpeltOut("spelt-register");
        var model = await fixture.CreateModel("class-order");
        var onTestSet = await fixture.RegisterFromRun(model);

        var response = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions", new { runId = fixture.RunId, evaluationDatasetId = spelt.Id });

        var onSpelt = await response.ReadJson<VersionView>(HttpStatusCode.Created);
        Assert.Equal(["bottom", "top"], spelt.ClassNames);
        Assert.Equal(onTestSet.Evidence.Accuracy!.Value, onSpelt.Evidence.Accuracy!.Value, 1e-9);
    }

    [Fact]
    public async Task An_onnx_file_that_names_its_classes_is_evaluated_on_a_test_set_by_class_name()
    {
        var spelt = await UploadSpeltOut("spelt-import");
        var model = await fixture.CreateModel("class-order-onnx");

        var version = await fixture.Contributor.ImportVersion(model, ImportCalls.Form(HandMadeOnnx.TopVersusBottom(0.001f, ["top", "bottom"]), "named.onnx", spelt.Id));

        Assert.Equal(1.0, version.Evidence.Accuracy);
        var accepted = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions/{version.Number}/evaluations", new { datasetId = spelt.Id });
        var queued = await accepted.ReadJson<EvaluationView>(HttpStatusCode.Accepted);
        await fixture.Viewer.WaitForJob(queued.JobId, JobState.Succeeded);
        var done = await fixture.Viewer.GetJson<EvaluationView>($"/api/v1/evaluations/{queued.Id}");
        Assert.Equal(1.0, done.Accuracy);
    }

    [Fact]
    public async Task A_test_set_with_other_class_names_is_refused_naming_both_lists()
    {
        var numbered = await UploadNumbered("numbered");
        var model = await fixture.CreateModel("class-names-differ");

        var register = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions", new { runId = fixture.RunId, evaluationDatasetId = numbered.Id });
        await register.AssertProblem(HttpStatusCode.BadRequest, "[top, bottom]", "[0, 1]");

        var import = await Import(model, HandMadeOnnx.TopVersusBottom(0.002f, ["top", "bottom"]), numbered.Id);
        await import.AssertProblem(HttpStatusCode.BadRequest, "[top, bottom]", "[0, 1]");

        var version = await fixture.RegisterFromRun(model);
        var evaluate = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions/{version.Number}/evaluations", new { datasetId = numbered.Id });
        await evaluate.AssertProblem(HttpStatusCode.BadRequest, "[top, bottom]", "[0, 1]");
    }

    [Fact]
    public async Task A_validation_set_with_other_class_names_is_refused_when_the_run_is_created()
    {
        var numbered = await UploadNumbered("numbered-validation");

        var response = await fixture.Contributor.PostAsJsonAsync("/api/v1/runs", new
        {
            name = "validated-by-numbers",
            datasetId = fixture.TrainDatasetId,
            validationDatasetId = numbered.Id,
            spec = System.Text.Json.JsonDocument.Parse(RegistryFixture.Spec.ToJson()).RootElement,
        });

        await response.AssertProblem(HttpStatusCode.BadRequest, "validation", "[top, bottom]", "[0, 1]");
    }

    /// <summary>The held-out images as CSV, one pixel a column, the class spelt out.</summary>
    private async Task<DatasetView> UploadSpeltOut(string prefix)
    {
        var data = SyntheticImages.Create(fixture.TestCount, seed: 2).ToDataset("spelt");
        var csv = new StringBuilder();
        csv.AppendLine(string.Join(",", Enumerable.Range(0, data.FeatureCount).Select(i => $"p{i}").Append("label")));
        for (var i = 0; i < data.Count; i++)
        {
            var pixels = data.Sample(i).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture));
            csv.AppendLine(string.Join(",", pixels.Append(SyntheticImages.ClassNames[data.Labels[i]])));
        }
        var response = await fixture.Contributor.PostAsync("/api/v1/datasets/csv", Uploads.Csv($"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)], csv.ToString()));
        return await response.ReadJson<DatasetView>(HttpStatusCode.Created);
    }

    /// <summary>The held-out images as IDX files without class names: their classes are "0" and "1".</summary>
    private async Task<DatasetView> UploadNumbered(string prefix)
    {
        var data = SyntheticImages.Create(fixture.TestCount, seed: 2);
        var response = await fixture.Contributor.PostAsync("/api/v1/datasets/idx", Uploads.Idx($"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)], data.ImagesIdx, data.LabelsIdx));
        var created = await response.ReadJson<DatasetView>(HttpStatusCode.Created);
        Assert.Equal(["0", "1"], created.ClassNames);
        return created;
    }

    private Task<HttpResponseMessage> Import(string model, byte[] onnx, Guid evaluationDatasetId) =>
        fixture.Contributor.PostImport(model, ImportCalls.Form(onnx, "named.onnx", evaluationDatasetId));
}
