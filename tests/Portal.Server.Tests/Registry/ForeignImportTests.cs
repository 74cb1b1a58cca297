using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts;
using Portal.Contracts.Approvals;
using Portal.Contracts.Jobs;
using Portal.Contracts.Registry;
using Portal.Server.Artifacts;
using Portal.Server.Persistence;
using Portal.Server.Tests.Approvals;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Tests.Serving;

namespace Portal.Server.Tests.Registry;

/// <summary>Imports of ONNX files no code of ours wrote (<see cref="ForeignOnnx"/>): evidence without labels, signatures, refusals.</summary>
[Collection(RegistryCollection.Name)]
public sealed class ForeignImportTests(RegistryFixture fixture)
{
    [Fact]
    public async Task An_import_answers_at_once_with_its_job_which_measures_two_inputs_of_different_datatypes_and_two_outputs()
    {
        var model = await fixture.CreateModel("two-in");

        var response = await fixture.Contributor.PostImport(model, ImportCalls.Form(ForeignOnnx.TwoInputsTwoOutputs(), "two.onnx"));

        var started = await response.ReadJson<ImportView>(HttpStatusCode.Accepted);
        Assert.Null(started.Version);
        var job = await fixture.Viewer.GetJson<JobView>($"/api/v1/jobs/{started.JobId}");
        Assert.Equal("import", job.Kind);
        var done = await fixture.Viewer.WaitForImport(model, started.Id);
        Assert.Equal(JobState.Succeeded, done.State);
        var version = await fixture.Viewer.GetJson<VersionView>($"/api/v1/models/{model}/versions/{done.Version}");
        var signature = version.Signature!;
        Assert.Equal([("image", "FP32", "-1,3"), ("ids", "INT64", "-1,4")], signature.Inputs.Select(t => (t.Name, t.Datatype, string.Join(',', t.Shape))));
        Assert.Equal([("scaled", "FP32", "-1,3"), ("total", "INT64", "-1")], signature.Outputs.Select(t => (t.Name, t.Datatype, string.Join(',', t.Shape))));
        Assert.True(version.Evidence.LatencyP50Ms > 0);
        Assert.True(version.Evidence.LatencyP50Ms <= version.Evidence.LatencyP95Ms);
        Assert.True(version.Evidence.ThroughputBatch64 > 0);
        Assert.Equal(ForeignOnnx.TwoInputsTwoOutputs().Length, version.Evidence.SizeBytes);
        var measurement = version.Evidence.Measurement!;
        Assert.Contains(measurement.Inputs, n => n.Contains("1 for latency and 64 for throughput"));
        Assert.Contains(measurement.Inputs, n => n.Contains("'ids' int64 [1,4], integers in [0, 10)"));
        var accuracy = Assert.Single(measurement.NotMeasured);
        Assert.Equal("accuracy", accuracy.Figure);
        Assert.Contains("no labelled dataset", accuracy.Reason);
        Assert.Null(version.Evidence.Accuracy);
        Assert.Empty(version.ClassNames);
        // Two inputs with the batch first are merged as typed tensors, so the import checks their rows' independence.
        Assert.Equal("passed", version.Evidence.BatchIndependence!.Outcome);
        Assert.StartsWith("8 seeded rows gave the same outputs alone and as one batch", version.Evidence.BatchIndependence.Reason);
    }

    [Fact]
    public async Task An_imported_two_input_file_is_served_on_v2_with_both_datatypes_and_both_outputs()
    {
        var model = await fixture.CreateModel("two-served");
        var version = await fixture.Contributor.ImportVersion(model, ImportCalls.Form(ForeignOnnx.TwoInputsTwoOutputs(), "two.onnx"));
        await (await fixture.Contributor.PutAsJsonAsync($"/api/v1/models/{model}/aliases/staging", new { version = version.Number })).Read<AliasView>();
        await Poll.Until(async () => (await fixture.Viewer.GetAsync($"/v2/models/{model}/ready?alias=staging")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), () => $"{model}/staging never became ready");

        var body = $$"""{"inputs":[{{ProtocolCalls.Input("image", "FP32", "[2,3]", "[1,2,3,4,5,6]")}},{{ProtocolCalls.Input("ids", "INT64", "[2,4]", "[1,2,3,4,10,20,30,40]")}}]}""";
        var outputs = await (await fixture.Viewer.Infer($"/v2/models/{model}/infer?alias=staging", body)).JsonOutputs();

        Assert.Equal([2f, 4f, 6f, 8f, 10f, 12f], outputs["scaled"].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()));
        Assert.Equal([10L, 100L], outputs["total"].GetProperty("data").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal("INT64", outputs["total"].GetProperty("datatype").GetString());
    }

    [Fact]
    public async Task A_dynamic_spatial_dimension_takes_the_size_the_request_gives_and_the_default_otherwise()
    {
        var model = await fixture.CreateModel("spatial");

        var version = await fixture.Contributor.ImportVersion(model, ImportCalls.Form(ForeignOnnx.DynamicSpatial(), "spatial.onnx", dims: """{"height": 16}"""));

        Assert.Equal([-1L, 1, -1, -1], Assert.Single(version.Signature!.Inputs).Shape);
        var inputs = version.Evidence.Measurement!.Inputs;
        Assert.Contains("height=16 (given)", inputs);
        Assert.Contains(inputs, n => n.StartsWith("width=32 (not given", StringComparison.Ordinal));
        Assert.Contains(inputs, n => n.Contains("'image' float32 [1,1,16,32]"));
        Assert.True(version.Evidence.LatencyP95Ms > 0);
        Assert.True(version.Evidence.ThroughputBatch64 > 0);
    }

    [Fact]
    public async Task An_example_input_sizes_the_dimensions_the_request_does_not()
    {
        var model = await fixture.CreateModel("example");
        var example = """{"inputs": [{"name": "image", "shape": [2, 1, 24, 40], "datatype": "FP32", "data": []}]}""";

        var version = await fixture.Contributor.ImportVersion(model,
            ImportCalls.Form(ForeignOnnx.DynamicSpatial(), "spatial.onnx", dims: """{"width": 64}""", example: example));

        var inputs = version.Evidence.Measurement!.Inputs;
        Assert.Contains("height=24 (from the example input)", inputs);
        Assert.Contains("width=64 (given)", inputs);
        Assert.Contains(inputs, n => n.Contains("'image' float32 [1,1,24,64]"));
        Assert.True(version.Evidence.ThroughputBatch64 > 0);
    }

    [Fact]
    public async Task An_example_input_that_does_not_fit_the_model_is_refused_naming_the_input()
    {
        var model = await fixture.CreateModel("example-bad");
        var example = """{"inputs": [{"name": "image", "shape": [1, 3, 24, 40], "datatype": "FP32", "data": []}]}""";

        var response = await fixture.Contributor.PostImport(model, ImportCalls.Form(ForeignOnnx.DynamicSpatial(), "spatial.onnx", example: example));

        await response.AssertProblem(HttpStatusCode.BadRequest, "'image'", "[1,3,24,40]", "fixes dimension 1 at 1");
    }

    [Fact]
    public async Task Sizes_for_dimensions_the_model_does_not_have_are_refused_naming_the_ones_it_has()
    {
        var model = await fixture.CreateModel("spatial-bad");

        var response = await fixture.Contributor.PostImport(model, ImportCalls.Form(ForeignOnnx.DynamicSpatial(), "spatial.onnx", dims: """{"depth": 3}"""));

        await response.AssertProblem(HttpStatusCode.BadRequest, "'depth'", "'height'", "'width'");
        Assert.Equal(0, (await fixture.Viewer.GetJson<Page<VersionSummary>>($"/api/v1/models/{model}/versions")).Total);
    }

    [Fact]
    public async Task A_scalar_int64_input_is_synthesized_as_a_scalar_beside_a_batched_input()
    {
        var model = await fixture.CreateModel("scalar");

        var version = await fixture.Contributor.ImportVersion(model, ImportCalls.Form(ForeignOnnx.ScalarInt64(), "scalar.onnx"));

        var k = version.Signature!.Inputs.Single(i => i.Name == "k");
        Assert.Equal(("INT64", 0), (k.Datatype, k.Shape.Count));
        Assert.Contains(version.Evidence.Measurement!.Inputs, n => n.Contains("'k' int64 [], integers in [0, 10)"));
        Assert.True(version.Evidence.LatencyP50Ms > 0);
        Assert.True(version.Evidence.ThroughputBatch64 > 0);
    }

    [Fact]
    public async Task Importing_the_same_bytes_again_is_refused_naming_the_existing_version()
    {
        var model = await fixture.CreateModel("twice");
        var onnx = ForeignOnnx.Regression();
        var first = await fixture.Contributor.ImportVersion(model, ImportCalls.Form(onnx, "regression.onnx"));

        var again = await fixture.Contributor.PostImport(model, ImportCalls.Form(onnx, "renamed.onnx"));

        await again.AssertProblem(HttpStatusCode.Conflict, $"version {first.Number} of model '{model}'", Convert.ToHexStringLower(SHA256.HashData(onnx)));
        Assert.Equal(1, (await fixture.Viewer.GetJson<Page<VersionSummary>>($"/api/v1/models/{model}/versions")).Total);
    }

    [Fact]
    public async Task A_model_without_classes_keeps_none_and_class_names_given_at_import_are_kept()
    {
        var plain = await fixture.CreateModel("plain");
        var named = await fixture.CreateModel("named");

        var regression = await fixture.Contributor.ImportVersion(plain, ImportCalls.Form(ForeignOnnx.Regression(), "regression.onnx"));
        var classes = await fixture.Contributor.ImportVersion(named, ImportCalls.Form(ForeignOnnx.TableOfTwo(), "rows.onnx", integerBound: 2, classNames: ["cat", "dog", "bird"]));

        Assert.Empty(regression.ClassNames);
        Assert.Equal(["cat", "dog", "bird"], classes.ClassNames);
    }

    [Fact]
    public async Task A_regression_model_imported_without_class_names_is_served_as_plain_tensors()
    {
        var model = await fixture.CreateModel("served");
        var version = await fixture.Contributor.ImportVersion(model, ImportCalls.Form(ForeignOnnx.Regression(), "regression.onnx"));
        await (await fixture.Contributor.PutAsJsonAsync($"/api/v1/models/{model}/aliases/staging", new { version = version.Number })).AssertStatus(HttpStatusCode.OK);

        var body = InferCalls.Body([[1f, 2f, 3f], [0f, 0f, 1f]], name: "features", shape: "[2,3]");
        var answer = await Poll.Until(() => fixture.Viewer.Infer($"/v2/models/{model}/infer?alias=staging", body), r => r.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), r => $"The imported version is not served: {(int)r.StatusCode}.");

        var (served, rows, root) = await answer.Outputs();
        Assert.Equal(version.Number, served);
        InferCalls.AssertRow([14f], rows[0]);
        InferCalls.AssertRow([3f], rows[1]);
        var output = Assert.Single(root.GetProperty("outputs").EnumerateArray());
        Assert.Equal("value", output.GetProperty("name").GetString());
    }

    [Fact]
    public async Task A_model_that_cannot_be_measured_is_stored_with_its_figures_marked_not_measured_and_the_reason()
    {
        var model = await fixture.CreateModel("unmeasurable");
        var onnx = ForeignOnnx.TableOfTwo();

        // Ids are drawn from [0, 10) by default; the table has two rows, so ONNX Runtime refuses the run.
        var version = await fixture.Contributor.ImportVersion(model, ImportCalls.Form(onnx, "rows.onnx"));

        Assert.Null(version.Evidence.LatencyP50Ms);
        Assert.Null(version.Evidence.LatencyP95Ms);
        Assert.Null(version.Evidence.ThroughputBatch64);
        var notMeasured = version.Evidence.Measurement!.NotMeasured.ToDictionary(n => n.Figure, n => n.Reason);
        Assert.Equal(["accuracy", "latency", "throughput"], notMeasured.Keys.Order());
        Assert.Contains("did not run", notMeasured["latency"]);
        Assert.Equal(onnx, await fixture.Viewer.GetByteArrayAsync(Assert.Single(version.Artifacts).Url));
    }

    [Fact]
    public async Task The_integer_bound_given_at_import_keeps_synthesized_ids_inside_the_model()
    {
        var model = await fixture.CreateModel("bounded");

        var version = await fixture.Contributor.ImportVersion(model, ImportCalls.Form(ForeignOnnx.TableOfTwo(), "rows.onnx", integerBound: 2));

        Assert.True(version.Evidence.LatencyP50Ms > 0);
        Assert.Contains(version.Evidence.Measurement!.Inputs, n => n.Contains("'ids' int64 [1], integers in [0, 2)"));
    }

    [Fact]
    public async Task A_latency_gate_on_a_version_without_latency_says_not_measured_and_does_not_pass()
    {
        var model = await fixture.CreateModel("gate");
        var version = await fixture.Contributor.ImportVersion(model, ImportCalls.Form(ForeignOnnx.TableOfTwo(), "rows.onnx"));
        var admin = await fixture.Portal.AdminClient();
        await (await admin.PutPolicy(model, new { maxP95LatencyMs = 1000.0, minAccuracy = 0.5 })).AssertStatus(HttpStatusCode.OK);

        var promotion = await fixture.Contributor.Requested(model, "production", version.Number);

        Assert.False(promotion.GatesPassed);
        Assert.All(promotion.Gates, g => Assert.True(g.NotMeasured && !g.Passed && g.Measured is null, g.Detail));
        var latency = promotion.Gates.Single(g => g.Name == "max-p95-latency");
        Assert.StartsWith("Not measured:", latency.Detail, StringComparison.Ordinal);
        Assert.Contains("did not run", latency.Detail);
        Assert.Contains("no labelled dataset", promotion.Gates.Single(g => g.Name == "min-accuracy").Detail);
    }

    [Fact]
    public async Task A_cancelled_import_leaves_no_version_and_removes_its_upload()
    {
        var model = await fixture.CreateModel("cancelled");
        var onnx = ForeignOnnx.DynamicSpatial($"cancelled-{Guid.NewGuid():N}");
        var sha = Convert.ToHexStringLower(SHA256.HashData(onnx));
        var started = await (await fixture.Contributor.PostImport(model, ImportCalls.Form(onnx, "spatial.onnx", dims: """{"height": 512, "width": 512}""")))
            .ReadJson<ImportView>(HttpStatusCode.Accepted);

        var cancel = await fixture.Contributor.PostAsync($"/api/v1/jobs/{started.JobId}/cancel", null);

        Assert.True(cancel.IsSuccessStatusCode, await cancel.Content.ReadAsStringAsync());
        var done = await fixture.Viewer.WaitForImport(model, started.Id);
        Assert.Equal(JobState.Cancelled, done.State);
        Assert.Null(done.Version);
        Assert.Equal(0, (await fixture.Viewer.GetJson<Page<VersionSummary>>($"/api/v1/models/{model}/versions")).Total);
        await Poll.Until(async () =>
        {
            using var scope = fixture.Portal.Services.CreateScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            return !scope.ServiceProvider.GetRequiredService<ArtifactStore>().Exists(sha) && !await db.Artifacts.AnyAsync(a => a.Sha256 == sha);
        }, TimeSpan.FromSeconds(10), () => $"The upload {sha} of the cancelled import is still stored.");
    }
}
