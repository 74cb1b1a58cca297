using System.Net;
using System.Security.Cryptography;
using System.Text;
using Portal.Contracts;
using Portal.Contracts.Registry;
using Portal.Server.Registry;

namespace Portal.Server.Tests.Registry;

[Collection(RegistryCollection.Name)]
public sealed class ImportTests(RegistryFixture fixture)
{
    [Fact]
    public async Task An_imported_onnx_file_becomes_a_version_with_measured_latency_and_no_accuracy()
    {
        var model = await fixture.CreateModel("import");
        var onnx = HandMadeOnnx.TopVersusBottom();

        var version = await fixture.Contributor.ImportVersion(model, ImportCalls.Form(onnx));

        Assert.Equal("Import", version.Lineage.Source);
        Assert.Null(version.Lineage.RunId);
        Assert.Null(version.Evidence.Accuracy);
        Assert.Null(version.Evidence.Evaluation);
        Assert.True(version.Evidence.LatencyP50Ms > 0);
        Assert.True(version.Evidence.LatencyP50Ms <= version.Evidence.LatencyP95Ms);
        Assert.True(version.Evidence.ThroughputBatch64 > 0);
        var file = Assert.Single(version.Artifacts);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(onnx)), file.Sha256);
        Assert.Equal(onnx, await fixture.Viewer.GetByteArrayAsync(file.Url));
        var weights = await fixture.Viewer.GetAsync($"/api/v1/models/{model}/versions/{version.Number}/artifacts/weights");
        Assert.Equal(HttpStatusCode.NotFound, weights.StatusCode);
        Assert.Contains("imported", await weights.ProblemDetail());
    }

    [Fact]
    public async Task An_imported_file_that_fits_the_evaluation_dataset_is_evaluated_on_it()
    {
        var model = await fixture.CreateModel("import-eval");

        var version = await fixture.Contributor.ImportVersion(model, ImportCalls.Form(HandMadeOnnx.TopVersusBottom(), evaluationDatasetId: fixture.TestDatasetId));

        // The hand-set weights separate the two classes with margin, so every held-out image is classified right.
        Assert.Equal(1.0, version.Evidence.Accuracy);
        Assert.Equal(fixture.TestDatasetId, version.Evidence.EvaluationDatasetId);
        Assert.Equal(fixture.TestCount, version.Evidence.Evaluation!.Value.GetProperty("sampleCount").GetInt32());
        Assert.Equal(SyntheticImages.ClassNames, version.ClassNames);
    }

    [Fact]
    public async Task An_imported_file_that_does_not_fit_the_evaluation_dataset_is_refused_naming_both_shapes()
    {
        var model = await fixture.CreateModel("import-misfit");

        var response = await Import(model, HandMadeOnnx.ThreeFeatures(), evaluationDatasetId: fixture.TestDatasetId);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = await response.ProblemDetail();
        Assert.Contains("3 values per sample", detail);
        Assert.Contains("16 values", detail);
    }

    [Fact]
    public async Task A_file_that_is_not_onnx_is_refused_with_the_engines_message()
    {
        var model = await fixture.CreateModel("import-garbage");

        var response = await Import(model, Encoding.UTF8.GetBytes("this is a text file, not a model\n"), "garbage.onnx");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = await response.ProblemDetail();
        Assert.Contains("not an ONNX model", detail);
        Assert.Contains("garbage.onnx", detail);
        var versions = await fixture.Viewer.GetAsync($"/api/v1/models/{model}/versions");
        Assert.Equal(0, (await versions.Read<Page<VersionSummary>>()).Total);
    }

    [Fact]
    public async Task A_viewer_cannot_import()
    {
        var model = await fixture.CreateModel("import-viewer");
        var response = await fixture.Viewer.PostImport(model, ImportCalls.Form(HandMadeOnnx.TopVersusBottom()));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private Task<HttpResponseMessage> Import(string model, byte[] file, string fileName = "hand-made.onnx", Guid? evaluationDatasetId = null) =>
        fixture.Contributor.PostImport(model, ImportCalls.Form(file, fileName, evaluationDatasetId));
}
