using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Engine.Inference;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Serving;

/// <summary>
/// Models outside the pooled FP32 and token paths (other datatypes, several inputs, dynamic dimensions besides the
/// batch) batched as typed tensors: concurrent callers are merged only when their dimensions after the batch agree
/// and they want the same outputs, and each gets exactly the answer it gets alone; a graph that mixes rows fails the
/// check and is not batched.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class TypedBatchingTests(ServingPortal portal)
{
    private static readonly object s_waitLong = new { maxQueueDelayMicroseconds = 300_000, maxQueueSize = 100 };

    [Fact]
    public async Task Concurrent_callers_of_an_fp64_model_are_merged_and_each_gets_its_solo_answer()
    {
        var onnx = ProtocolModels.Fp64Projection();
        var model = await portal.Serve(onnx);
        await (await portal.Admin.PutBatching(model, s_waitLong)).AssertStatus(HttpStatusCode.OK);
        var rows = Enumerable.Range(0, 24).Select(i => Enumerable.Range(0, 784).Select(j => Math.Sin(i * 784 + j)).ToArray()).ToArray();
        var solo = rows.Select(row => Solo(onnx, "scores", ("x", InferenceTensor.Create(row, 1, 784))).Values<double>().ToArray()).ToArray();

        var answers = await Task.WhenAll(rows.Select(async row =>
        {
            var body = $$"""{"inputs":[{{ProtocolCalls.Input("x", "FP64", "[1,784]", Json(row))}}]}""";
            return Doubles((await (await portal.Viewer.Infer($"/v2/models/{model}/infer", body)).JsonOutputs())["scores"]);
        }));

        for (var i = 0; i < rows.Length; i++) Assert.Equal(solo[i], answers[i]);
        Assert.StartsWith("on: passed the batch independence check (8 seeded rows gave the same outputs alone and as one batch", await Batching(model));
        var window = Assert.Single((await portal.Viewer.Deployment(model)).Metrics!.Versions);
        Assert.Equal(rows.Length, window.Requests);
        Assert.True(window.MeanBatchSize > 1, $"mean batch size {window.MeanBatchSize}: concurrent callers of an independent FP64 model were not merged");
    }

    [Fact]
    public async Task Callers_of_two_inputs_of_different_datatypes_are_merged_by_the_outputs_they_want_and_each_gets_its_own_rows()
    {
        var model = await portal.Serve(ProtocolModels.TwoInTwoOut());
        await (await portal.Admin.PutBatching(model, s_waitLong)).AssertStatus(HttpStatusCode.OK);
        // Caller i sends 1 to 3 rows; even callers want both outputs, odd callers only 'doubled'.
        var callers = Enumerable.Range(0, 24).Select(i => Enumerable.Range(0, 1 + i % 3).Select(r => (Features: new[] { i, r + 0.5f, -i }, Count: 10L * i + r)).ToArray()).ToArray();

        var answers = await Task.WhenAll(callers.Select(async (rows, i) =>
        {
            var features = ProtocolCalls.Input("features", "FP32", $"[{rows.Length},3]", JsonSerializer.Serialize(rows.SelectMany(r => r.Features)));
            var counts = ProtocolCalls.Input("counts", "INT64", $"[{rows.Length}]", JsonSerializer.Serialize(rows.Select(r => r.Count)));
            var outputs = i % 2 == 0 ? "" : ""","outputs":[{"name":"doubled"}]""";
            var body = $$"""{"inputs":[{{features}},{{counts}}]{{outputs}}}""";
            return await (await portal.Viewer.Infer($"/v2/models/{model}/infer", body)).JsonOutputs();
        }));

        for (var i = 0; i < callers.Length; i++)
        {
            var rows = callers[i];
            Assert.Equal(rows.Select(r => r.Count * 2), answers[i]["doubled"].GetProperty("data").EnumerateArray().Select(e => e.GetInt64()));
            if (i % 2 == 1)
            {
                Assert.False(answers[i].ContainsKey("shifted"), $"caller {i} asked only for 'doubled'");
                continue;
            }
            Assert.Equal(rows.SelectMany(r => r.Features.Select(f => f + r.Count)), answers[i]["shifted"].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()));
        }
        Assert.EndsWith("requests are merged when they ask for the same outputs", await Batching(model));
        var window = Assert.Single((await portal.Viewer.Deployment(model)).Metrics!.Versions);
        var rowsPerCaller = callers.Average(rows => rows.Length);
        Assert.True(window.MeanBatchSize > rowsPerCaller, $"mean batch size {window.MeanBatchSize}, callers send {rowsPerCaller} rows on average: concurrent callers were not merged");
    }

    [Fact]
    public async Task A_typed_graph_whose_answer_depends_on_the_whole_batch_fails_the_check_is_not_batched_and_each_caller_gets_its_solo_answer()
    {
        var onnx = ProtocolModels.Fp64WholeBatchMax();
        var model = await portal.Serve(onnx);
        await (await portal.Admin.PutBatching(model, s_waitLong)).AssertStatus(HttpStatusCode.OK);
        var rows = Enumerable.Range(0, 16).Select(i => new[] { 1.0 + i, 0.5 * (i + 1), 2, 0.25 + i % 3 }).ToArray();

        var answers = await Task.WhenAll(rows.Select(async row =>
        {
            var body = $$"""{"inputs":[{{ProtocolCalls.Input("x", "FP64", "[1,4]", Json(row))}}]}""";
            return Doubles((await (await portal.Viewer.Infer($"/v2/models/{model}/infer", body)).JsonOutputs())["y"]);
        }));

        for (var i = 0; i < rows.Length; i++) Assert.Equal(rows[i].Select(v => v / rows[i].Max()), answers[i]);
        var batching = await Batching(model);
        Assert.Matches(@"^off: failed the batch independence check: row \d of 8 seeded rows changed output 'y' by [0-9.]+ when run in one batch instead of alone; ", batching);
        var window = Assert.Single((await portal.Viewer.Deployment(model)).Metrics!.Versions);
        Assert.Equal(1, window.MeanBatchSize);
    }

    [Fact]
    public async Task Callers_of_different_image_sizes_sent_together_each_get_their_solo_answer_and_only_equal_sizes_are_merged()
    {
        var onnx = ProtocolModels.DynamicImage();
        var model = await portal.Serve(onnx);
        await (await portal.Admin.PutBatching(model, s_waitLong)).AssertStatus(HttpStatusCode.OK);
        (int Height, int Width)[] sizes = [(2, 3), (4, 4), (3, 2)];
        var images = Enumerable.Range(0, 24).Select(i => (Size: sizes[i % 3], Pixels: Enumerable.Range(0, sizes[i % 3].Height * sizes[i % 3].Width).Select(p => (byte)((i * 37 + p * 11) % 256)).ToArray())).ToArray();
        var solo = images.Select(image => Solo(onnx, "mean", ("image", InferenceTensor.Create(image.Pixels, 1, 1, image.Size.Height, image.Size.Width))).Values<float>()[0]).ToArray();

        var answers = await Task.WhenAll(images.Select(async image =>
        {
            var input = ProtocolCalls.Input("image", "UINT8", $"[1,1,{image.Size.Height},{image.Size.Width}]", JsonSerializer.Serialize(image.Pixels.Select(p => (int)p)));
            var body = $$"""{"inputs":[{{input}}]}""";
            return (await (await portal.Viewer.Infer($"/v2/models/{model}/infer", body)).JsonOutputs())["mean"].GetProperty("data")[0].GetSingle();
        }));

        for (var i = 0; i < images.Length; i++) Assert.Equal(solo[i], answers[i]);
        Assert.EndsWith("requests are merged only when their non-batch dimensions agree ('height', 'width' vary)", await Batching(model));
        var window = Assert.Single((await portal.Viewer.Deployment(model)).Metrics!.Versions);
        Assert.True(window.MeanBatchSize > 1, $"mean batch size {window.MeanBatchSize}: callers of one image size were not merged");
    }

    /// <summary>What the file answers for one request run alone, outside the portal.</summary>
    private static InferenceTensor Solo(byte[] onnx, string output, params (string Name, InferenceTensor Tensor)[] inputs)
    {
        using var model = InferenceModel.Load(onnx, new InferenceOptions { PreferCuda = false, IntraOpThreads = 1 });
        return model.Run(inputs.ToDictionary(i => i.Name, i => i.Tensor), [output])[output];
    }

    private static string Json(double[] values) => $"[{string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}]";

    private static double[] Doubles(JsonElement output) => [.. output.GetProperty("data").EnumerateArray().Select(e => e.GetDouble())];

    [Fact]
    public async Task A_typed_version_recorded_as_not_checked_is_checked_when_it_loads_and_then_batches()
    {
        var model = await ServedFiles.Serve(portal, [ProtocolModels.Fp64Projection()], [("staging", 1)]);
        // As a version registered before typed models were batched was recorded.
        await portal.InDatabase(async db =>
        {
            var id = (await db.Models.SingleAsync(m => m.Name == model)).Id;
            var version = await db.ModelVersions.SingleAsync(v => v.ModelId == id && v.Number == 1);
            version.BatchCheck = BatchIndependenceOutcome.NotChecked;
            version.BatchCheckReason = "the model is outside the pooled FP32 path and the token path, the only ones batched";
            await db.SaveChangesAsync();
        });

        await portal.Hold(model, "production", 1);
        await portal.WaitServed(model, "production", 1);

        Assert.StartsWith("on: passed the batch independence check (run when the version loaded, not at registration: 8 seeded rows gave the same outputs alone and as one batch", await Batching(model));
    }

    [Fact]
    public async Task A_typed_model_that_refuses_the_seeded_warm_up_values_still_loads_and_serves()
    {
        // Seeded ids reach past the 4-row table, so the warm-up runs (and the batch check) fail; serving must not.
        var model = await portal.Serve(ProtocolModels.TableLookup());

        var body = $$"""{"inputs":[{{ProtocolCalls.Input("ids", "INT64", "[2]", "[3,1]")}}]}""";
        var rows = (await (await portal.Viewer.Infer($"/v2/models/{model}/infer", body)).JsonOutputs())["rows"];

        Assert.Equal([6.0, 7.0, 2.0, 3.0], rows.GetProperty("data").EnumerateArray().Select(e => e.GetDouble()));
    }

    private async Task<string> Batching(string model)
    {
        using var metadata = JsonDocument.Parse(await portal.Viewer.GetStringAsync($"/v2/models/{model}"));
        return metadata.RootElement.GetProperty("parameters").GetProperty("batching").GetString()!;
    }
}
