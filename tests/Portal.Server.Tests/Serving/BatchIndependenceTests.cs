using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Portal.Contracts.Registry;
using Portal.Contracts.Serving;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Tests.Registry;

namespace Portal.Server.Tests.Serving;

/// <summary>
/// Dynamic batching never changes an answer: a version is batched by default only when its rows are independent of
/// each other (checked by the import job, or known from a per-sample spec Portal trained), and an owner who forces it
/// on sees that said.
/// </summary>
[Collection(RegistryCollection.Name)]
public sealed class BatchIndependenceTests(RegistryFixture fixture)
{
    private const string Alias = "staging";

    [Fact]
    public async Task A_graph_normalised_over_the_whole_batch_fails_the_check_is_not_batched_and_every_concurrent_caller_gets_its_solo_answer()
    {
        var (model, version) = await ImportedWaitingLong("batch-max", ForeignOnnx.WholeBatchMax());

        var rows = Enumerable.Range(0, 40).Select(Row).ToArray();
        var solo = new List<float[]>();
        foreach (var row in rows) solo.Add((await (await fixture.Viewer.Infer(Path(model), Body(row))).Outputs()).Rows[0]);
        var answers = await Task.WhenAll(rows.Select(async row => await (await fixture.Viewer.Infer(Path(model), Body(row))).Outputs()));

        for (var i = 0; i < rows.Length; i++)
        {
            InferCalls.AssertRow(OwnMaximum(rows[i]), solo[i]);
            Assert.Equal(solo[i], answers[i].Rows[0]);
        }
        var view = await fixture.Viewer.Deployment(model, Alias);
        Assert.Equal("failed", version.Evidence.BatchIndependence!.Outcome);
        Assert.Matches(@"^row \d of 8 seeded rows changed by [0-9.]+ when run in one batch instead of alone$", version.Evidence.BatchIndependence.Reason);
        Assert.StartsWith("off: failed the batch independence check: row ", view.Version!.Batching);
        Assert.Contains("an owner can force it on", view.Version.Batching);
        Assert.Equal(1, Assert.Single(view.Metrics!.Versions).MeanBatchSize);
        Assert.Equal(view.Version.Batching, await MetadataBatching(model));
    }

    [Fact]
    public async Task A_per_sample_imported_graph_passes_the_check_and_concurrent_callers_are_batched()
    {
        var (model, version) = await ImportedWaitingLong("row-max", ForeignOnnx.RowMax());

        var rows = Enumerable.Range(0, 12).Select(Row).ToArray();
        var answers = await Task.WhenAll(rows.Select(async row => await (await fixture.Viewer.Infer(Path(model), Body(row))).Outputs()));

        for (var i = 0; i < rows.Length; i++) InferCalls.AssertRow(OwnMaximum(rows[i]), answers[i].Rows[0]);
        var view = await fixture.Viewer.Deployment(model, Alias);
        Assert.Equal("passed", version.Evidence.BatchIndependence!.Outcome);
        Assert.StartsWith("on: passed the batch independence check (8 seeded rows", view.Version!.Batching);
        Assert.True(Assert.Single(view.Metrics!.Versions).MeanBatchSize > 1, "concurrent requests of a version that passed were not merged");
        Assert.Equal(view.Version.Batching, await MetadataBatching(model));
    }

    [Fact]
    public async Task A_version_portal_trained_from_a_per_sample_spec_is_batched_without_a_check()
    {
        var model = await fixture.CreateModel("trained");
        var version = await fixture.RegisterFromRun(model);
        await Hold(model, version.Number);

        var view = await fixture.Viewer.Deployment(model, Alias);
        Assert.Equal("perSampleSpec", version.Evidence.BatchIndependence!.Outcome);
        Assert.Equal("on: trained by Portal from a spec whose every layer is per-sample in eval mode (batch norm uses its running statistics, dropout is off)",
            view.Version!.Batching);
    }

    [Fact]
    public async Task An_owner_can_force_batching_on_against_a_failed_check_and_it_is_labelled()
    {
        var (model, _) = await Imported("forced", ForeignOnnx.WholeBatchMax());
        var admin = await fixture.Portal.CreateClientAs("Admin");

        var forced = await (await admin.PutBatching(model, new { maxBatchSize = 16, maxQueueDelayMicroseconds = 300_000 }, Alias)).ReadJson<DeploymentView>();
        var rows = Enumerable.Range(0, 12).Select(Row).ToArray();
        await Task.WhenAll(rows.Select(async row => await (await fixture.Viewer.Infer(Path(model), Body(row))).Outputs()));

        Assert.StartsWith("on, forced by an owner (maxBatchSize set on the deployment) against a failed batch independence check: row ", forced.Version!.Batching);
        var view = await fixture.Viewer.Deployment(model, Alias);
        Assert.True(Assert.Single(view.Metrics!.Versions).MeanBatchSize > 1, "the forced deployment did not merge concurrent requests");
        Assert.Equal(forced.Version.Batching, await MetadataBatching(model));
    }

    /// <summary>Positive rows of distinct maxima, so normalising over the batch gives other answers than over one row.</summary>
    private static float[] Row(int i) => [1 + i, 0.5f * (i + 1), 2f, 0.25f + i % 3];

    /// <summary>Either graph's answer for a row sent alone: the row divided by its own maximum.</summary>
    private static float[] OwnMaximum(float[] row)
    {
        var peak = row.Max();
        return [.. row.Select(v => v / peak)];
    }

    private static string Path(string model) => $"/v2/models/{model}/infer?alias={Alias}";

    private static string Body(float[] row) => InferCalls.Body([row], name: "x", shape: "[1,4]");

    private async Task<(string Model, VersionView Version)> Imported(string prefix, byte[] onnx)
    {
        var model = await fixture.CreateModel(prefix);
        var version = await fixture.Contributor.ImportVersion(model, ImportCalls.Form(onnx, $"{prefix}.onnx"));
        await Hold(model, version.Number);
        return (model, version);
    }

    /// <summary>
    /// An import whose deployment waits long for company: it would merge every concurrent request if it batched.
    /// maxBatchSize stays unset, so nothing is forced.
    /// </summary>
    private async Task<(string Model, VersionView Version)> ImportedWaitingLong(string prefix, byte[] onnx)
    {
        var imported = await Imported(prefix, onnx);
        var admin = await fixture.Portal.CreateClientAs("Admin");
        await (await admin.PutBatching(imported.Model, new { maxQueueDelayMicroseconds = 300_000 }, Alias)).AssertStatus(HttpStatusCode.OK);
        return imported;
    }

    private async Task Hold(string model, int version)
    {
        await (await fixture.Contributor.PutAsJsonAsync($"/api/v1/models/{model}/aliases/{Alias}", new { version })).Read<AliasView>();
        await Poll.Until(async () => (await fixture.Viewer.GetAsync($"/v2/models/{model}/ready?alias={Alias}")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), () => $"{model}/{Alias} never became ready");
    }

    private async Task<string> MetadataBatching(string model)
    {
        using var metadata = JsonDocument.Parse(await fixture.Viewer.GetStringAsync($"/v2/models/{model}?alias={Alias}"));
        return metadata.RootElement.GetProperty("parameters").GetProperty("batching").GetString()!;
    }
}
