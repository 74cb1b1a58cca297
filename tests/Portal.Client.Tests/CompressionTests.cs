using System.Net;
using System.Text.Json;
using Portal.Client.Live;
using Portal.Client.Models;
using Portal.Contracts.Compression;
using Portal.Contracts.Jobs;
using Portal.Contracts.Training;
using Portal.Server.Auth;

namespace Portal.Client.Tests;

/// <summary>The compression calls of the client against a real server: request, live progress, the derived version, refusals.</summary>
public sealed class CompressionTests(LivePortal portal) : IClassFixture<LivePortal>
{
    /// <summary>A new model whose version 1 is the tiny network trained 2 epochs on separable blobs, evaluated on held-out blobs.</summary>
    private static async Task<string> TrainedModel(PortalClient client, CancellationToken ct)
    {
        var train = await LivePortal.UploadBlobs(client, 300, seed: 11);
        var heldOut = await LivePortal.UploadBlobs(client, 90, seed: 12);
        var run = await client.Runs.Create(new CreateRunRequest("compress-parent", train, null, LivePortal.TinySpec,
            JsonSerializer.SerializeToElement(new { epochs = 2, batchSize = 16, seed = 3 })), ct);
        await Finished(client, LiveTopics.Run(run.Id), ct);
        var model = $"compress-{Guid.NewGuid().ToString("N")[..8]}";
        await client.Models.Create(model, null, ct);
        await client.Models.RegisterVersion(model, run.Id, heldOut, ct);
        return model;
    }

    /// <summary>The topic's events up to its job's final status.</summary>
    private static async Task<List<LiveMessage>> Finished(PortalClient client, string topic, CancellationToken ct)
    {
        var events = new List<LiveMessage>();
        await foreach (var m in client.Live.Watch(topic, 0, ct))
        {
            events.Add(m);
            if (m.Type == "status" && m.As<JobStatusEvent>().State.IsFinished()) break;
        }
        return events;
    }

    [Fact]
    public async Task An_int8_quantization_is_watched_live_and_becomes_a_derived_version_naming_its_parent_and_recipe()
    {
        await using var contributor = await portal.ClientAs(PortalRoles.Contributor);
        await using var viewer = await portal.ClientAs(PortalRoles.Viewer);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = cancel.Token;
        var model = await TrainedModel(contributor, ct);
        var parent = await contributor.Models.GetVersion(model, 1, ct);

        var compression = await contributor.Compressions.Request(model, 1, new Int8Quantization { CalibrationSamples = 64, TolerancePoints = 100 }, ct: ct);
        var events = await Finished(viewer, LiveTopics.Compression(compression.Id), ct);

        Assert.Equal((model, 1, "quantize-int8", JobState.Queued), (compression.Model, compression.ParentVersion, compression.Method, compression.State));
        Assert.Equal(64, compression.Recipe.GetProperty("calibrationSamples").GetInt32());
        Assert.Contains(events, e => e.Type == "stage" && e.As<CompressionStageEvent>().CompressionId == compression.Id && e.As<CompressionStageEvent>().Stage.Length > 0);
        Assert.Equal(JobState.Succeeded, events[^1].As<JobStatusEvent>().State);
        var done = await viewer.Compressions.Get(compression.Id, ct);
        Assert.Equal(JobState.Succeeded, done.State);
        var child = await viewer.Models.GetVersion(model, done.ResultVersion!.Value, ct);
        Assert.Equal(("Derived", parent.Id, 1), (child.Lineage.Source, child.Lineage.ParentVersionId, child.Lineage.ParentVersion));
        Assert.Equal("quantize-int8", child.Lineage.Recipe!.Value.GetProperty("method").GetString());
        Assert.Equal(JsonValueKind.Object, child.Evidence.Compression!.Value.GetProperty("quantization").ValueKind);
        Assert.Equal([compression.Id], (await viewer.Compressions.ListAll(model, ct).ToListAsync(ct)).Select(c => c.Id));
        var page = await viewer.Compressions.List(model, 0, 1, ct);
        Assert.Equal((1, false), (page.Total, page.HasMore));
    }

    [Fact]
    public async Task A_structured_pruning_with_fine_tuning_streams_every_step_of_its_training()
    {
        await using var contributor = await portal.ClientAs(PortalRoles.Contributor);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = cancel.Token;
        var model = await TrainedModel(contributor, ct);

        var compression = await contributor.Compressions.Request(model, 1,
            new StructuredPruning(0.5) { FineTuning = new TrainingSettings { Epochs = 1, BatchSize = 32, Seed = 5 } }, ct: ct);
        var events = await Finished(contributor, LiveTopics.Compression(compression.Id), ct);

        var steps = events.Where(e => e.Type == "step").Select(e => e.As<CompressionStepEvent>()).ToList();
        Assert.Equal(Enumerable.Range(1, steps.Count).Select(i => (long)i), steps.Select(s => s.Step));
        Assert.Equal(steps[0].TotalSteps, steps.Count);
        Assert.All(steps, s => Assert.Equal(compression.Id, s.CompressionId));
        var done = await contributor.Compressions.Get(compression.Id, ct);
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal((0.5, "prune-structured"), (done.Recipe.GetProperty("ratio").GetDouble(), done.Method));
        var child = await contributor.Models.GetVersion(model, done.ResultVersion!.Value, ct);
        // Half of the 16 hidden neurons are gone: the spec says so.
        Assert.Equal(8, child.Spec!.Value.GetProperty("layers")[0].GetProperty("outFeatures").GetInt32());
    }

    [Fact]
    public async Task A_recipe_the_engine_refuses_throws_with_the_servers_message_and_queues_nothing()
    {
        await using var contributor = await portal.ClientAs(PortalRoles.Contributor);
        await using var viewer = await portal.ClientAs(PortalRoles.Viewer);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = cancel.Token;
        var model = await TrainedModel(contributor, ct);

        var sparsity = await Assert.ThrowsAsync<PortalApiException>(() => contributor.Compressions.Request(model, 1, new UnstructuredPruning(1.5), ct: ct));
        var unknownStudent = await Assert.ThrowsAsync<PortalApiException>(() => contributor.Compressions.Request(model, 1,
            new Distillation("no-such-spec", new TrainingSettings { Epochs = 1 }), ct: ct));
        var badJson = Assert.Throws<ArgumentException>(() => CompressionsClient.ToJson(new Distillation("{ not json", new TrainingSettings())));
        var forbidden = await Assert.ThrowsAsync<PortalApiException>(() => viewer.Compressions.Request(model, 1, new Int8Quantization(), ct: ct));
        var missing = await Assert.ThrowsAsync<PortalApiException>(() => contributor.Compressions.Request(model, 9, new Int8Quantization(), ct: ct));

        Assert.Equal(HttpStatusCode.BadRequest, sparsity.Status);
        Assert.Contains("Sparsity must be in (0, 1), not 1.5", sparsity.Message);
        Assert.Equal(HttpStatusCode.BadRequest, unknownStudent.Status);
        Assert.Contains("No ready spec named 'no-such-spec'", unknownStudent.Message);
        Assert.Contains("student spec is not valid JSON", badJson.Message);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Status);
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Empty(await viewer.Compressions.ListAll(model, ct).ToListAsync(ct));
    }

    [Fact]
    public async Task A_distillation_takes_its_student_as_JSON_text_and_records_it_in_the_recipe()
    {
        await using var contributor = await portal.ClientAs(PortalRoles.Contributor);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = cancel.Token;
        var model = await TrainedModel(contributor, ct);
        const string student = """{"name":"tiny-student","inputShape":[36],"layers":[{"type":"linear","outFeatures":8},{"type":"relu"},{"type":"linear","outFeatures":3}]}""";

        var compression = await contributor.Compressions.Request(model, 1,
            new Distillation(student, new TrainingSettings { Epochs = 1, BatchSize = 32 }) { Alpha = 0.3, Temperature = 2 }, ct: ct);
        await Finished(contributor, LiveTopics.Compression(compression.Id), ct);

        Assert.Equal("tiny-student", compression.Recipe.GetProperty("student").GetProperty("name").GetString());
        Assert.Equal((0.3, 2.0), (compression.Recipe.GetProperty("alpha").GetDouble(), compression.Recipe.GetProperty("temperature").GetDouble()));
        var done = await contributor.Compressions.Get(compression.Id, ct);
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.Equal("tiny-student", (await contributor.Models.GetVersion(model, done.ResultVersion!.Value, ct)).Spec!.Value.GetProperty("name").GetString());
    }
}
