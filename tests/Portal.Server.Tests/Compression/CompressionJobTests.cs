using System.Net;
using System.Net.Http.Json;
using Portal.Contracts;
using Portal.Contracts.Compression;
using Portal.Contracts.Jobs;
using Portal.Contracts.Registry;
using Portal.Server.Compression;
using Portal.Server.Jobs;
using Portal.Server.Registry;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Tests.Jobs;
using Portal.Server.Tests.Registry;

namespace Portal.Server.Tests.Compression;

[Collection(RegistryCollection.Name)]
public sealed class CompressionJobTests(RegistryFixture fixture)
{
    private static readonly object s_fineTuning = new { epochs = 1, batchSize = 16, optimizer = new { learningRate = 0.005 }, seed = 3 };

    [Fact]
    public async Task A_pruned_version_is_a_new_version_whose_lineage_names_its_parent_and_recipe_and_whose_evidence_is_measured_as_served()
    {
        var model = await fixture.CreateModel("prune");
        var parent = await fixture.RegisterFromRun(model);

        var compression = await Compress(model, parent.Number, new { method = "prune-unstructured", sparsity = 0.5, fineTuning = s_fineTuning });

        var job = await fixture.Viewer.WaitForJob(compression.JobId, JobState.Succeeded, TimeSpan.FromMinutes(2));
        Assert.Equal(JobKinds.Compression, job.Kind);
        var done = await fixture.Viewer.GetJson<CompressionView>($"/api/v1/compressions/{compression.Id}");
        var child = await fixture.Viewer.GetJson<VersionView>($"/api/v1/models/{model}/versions/{done.ResultVersion}");
        Assert.Equal("Derived", child.Lineage.Source);
        Assert.Equal(parent.Id, child.Lineage.ParentVersionId);
        Assert.Equal(parent.Number, child.Lineage.ParentVersion);
        Assert.Equal("prune-unstructured", child.Lineage.Recipe!.Value.GetProperty("method").GetString());
        Assert.Equal(0.5, child.Lineage.Recipe!.Value.GetProperty("sparsity").GetDouble());
        Assert.NotNull(child.Evidence.Accuracy);
        Assert.True(child.Evidence.LatencyP95Ms > 0);
        var report = child.Evidence.Compression!.Value;
        Assert.Equal(child.Evidence.Accuracy!.Value, report.GetProperty("compressed").GetProperty("testAccuracy").GetDouble(), 1.0 / fixture.TestCount);
        var compressed = report.GetProperty("compressed");
        Assert.True(compressed.GetProperty("nonZeroParameters").GetInt64() < report.GetProperty("parent").GetProperty("nonZeroParameters").GetInt64());
        Assert.Contains(report.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains($"with {RegistryPortal.ServingThreads} ONNX Runtime intra-op threads", StringComparison.Ordinal));
        Assert.Contains(child.Artifacts, a => a.Kind == VersionArtifacts.Weights);
        var audit = await fixture.Viewer.AuditEvents("version.create", child.Id.ToString());
        Assert.Single(audit);
    }

    [Fact]
    public async Task An_int8_version_has_no_float_weights_and_cannot_be_compressed_again()
    {
        var model = await fixture.CreateModel("int8");
        var parent = await fixture.RegisterFromRun(model);

        var compression = await Compress(model, parent.Number, new { method = "quantize-int8", calibrationSamples = 64, tolerancePoints = 100.0 });
        await fixture.Viewer.WaitForJob(compression.JobId, JobState.Succeeded, TimeSpan.FromMinutes(2));
        var done = await fixture.Viewer.GetJson<CompressionView>($"/api/v1/compressions/{compression.Id}");
        var child = await fixture.Viewer.GetJson<VersionView>($"/api/v1/models/{model}/versions/{done.ResultVersion}");

        Assert.DoesNotContain(child.Artifacts, a => a.Kind == VersionArtifacts.Weights);
        Assert.True(child.Evidence.Compression!.Value.GetProperty("quantization").ValueKind == System.Text.Json.JsonValueKind.Object);
        var again = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions/{child.Number}/compressions",
            new { recipe = new { method = "prune-unstructured", sparsity = 0.5 } });
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("int8", await again.ProblemDetail());
    }

    [Theory]
    [InlineData("{\"method\":\"prune-unstructured\",\"sparsity\":1.5}", "parsity")]
    [InlineData("{\"method\":\"quantize-int8\",\"calibrationSamples\":0}", "alibration")]
    [InlineData("{\"method\":\"quantize-int8\",\"activations\":\"Sometimes\"}", "activations")]
    [InlineData("{\"method\":\"quantize-int8\",\"activations\":7}", "Activations must be Auto, Calibrated or Dynamic, not 7")]
    [InlineData("{\"method\":\"shrink\"}", "method")]
    [InlineData("{\"method\":\"prune-unstructured\",\"sparsity\":0.5,\"speed\":\"fast\"}", "speed")]
    public async Task A_recipe_the_engine_refuses_is_answered_400_naming_the_setting_and_queues_nothing(string recipe, string named)
    {
        var model = await fixture.CreateModel("bad-recipe");
        var parent = await fixture.RegisterFromRun(model);

        var response = await fixture.Contributor.PostAsync($"/api/v1/models/{model}/versions/{parent.Number}/compressions",
            new StringContent($"{{\"recipe\":{recipe}}}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(named, await response.ProblemDetail());
        var listed = await fixture.Viewer.GetJson<Page<CompressionView>>($"/api/v1/models/{model}/compressions");
        Assert.Empty(listed.Items);
    }

    [Fact]
    public async Task A_student_whose_outputs_differ_from_the_teacher_is_refused_naming_both()
    {
        var model = await fixture.CreateModel("distill-misfit");
        var parent = await fixture.RegisterFromRun(model);
        var student = new Portal.Engine.Models.ModelSpec("student", [SyntheticImages.Pixels], [new Portal.Engine.Models.LinearLayer(3)]);

        var response = await fixture.Contributor.PostAsync($"/api/v1/models/{model}/versions/{parent.Number}/compressions",
            new StringContent($"{{\"recipe\":{{\"method\":\"distill\",\"student\":{student.ToJson()},\"training\":{{\"epochs\":1}}}}}}", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = await response.ProblemDetail();
        Assert.Contains("[3]", detail);
        Assert.Contains("[2]", detail);
    }

    [Fact]
    public async Task An_imported_onnx_version_cannot_be_compressed()
    {
        var model = await fixture.CreateModel("import-compress");
        var import = new MultipartFormDataContent { { new ByteArrayContent(HandMadeOnnx.TopVersusBottom()), "file", "tb.onnx" } };
        var version = await (await fixture.Contributor.PostAsync($"/api/v1/models/{model}/versions/import", import)).ReadJson<VersionView>(HttpStatusCode.Created);

        var response = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions/{version.Number}/compressions",
            new { recipe = new { method = "quantize-int8" }, trainDatasetId = fixture.TrainDatasetId, testDatasetId = fixture.TestDatasetId });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("imported", await response.ProblemDetail());
    }

    private async Task<CompressionView> Compress(string model, int version, object recipe)
    {
        var response = await fixture.Contributor.PostAsJsonAsync($"/api/v1/models/{model}/versions/{version}/compressions", new { recipe });
        return await response.ReadJson<CompressionView>(HttpStatusCode.Accepted);
    }
}
