using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Portal.Client.Live;
using Portal.Contracts.Jobs;
using Portal.Contracts.Training;
using Portal.Server.Auth;

namespace Portal.Client.Tests;

/// <summary>Run exports, ONNX import and evaluation jobs through the client, against a real server.</summary>
public sealed class EvaluationAndExportTests(LivePortal portal) : IClassFixture<LivePortal>
{
    [Fact]
    public async Task A_run_exported_to_onnx_imports_as_a_version_that_an_evaluation_job_measures_like_its_registration()
    {
        await using var contributor = await portal.ClientAs(PortalRoles.Contributor);
        await using var viewer = await portal.ClientAs(PortalRoles.Viewer);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = cancel.Token;
        var (run, heldOut) = await TinyModels.TrainedRun(contributor, seed: 21, ct);

        var notExported = await Assert.ThrowsAsync<PortalApiException>(() => viewer.Runs.Onnx(run.Id, ct));
        Assert.Equal(HttpStatusCode.NotFound, notExported.Status);
        Assert.Contains($"Run {run.Id} has no ONNX file", notExported.Message);
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<PortalApiException>(() => viewer.Runs.Export(run.Id, ct))).Status);

        var export = await contributor.Runs.Export(run.Id, ct);
        Assert.Equal(("export", JobState.Queued), (export.Kind, export.State));
        var exportEvents = await TinyModels.UntilFinished(viewer, LiveTopics.Job(export.Id), ct);
        Assert.Equal(JobState.Succeeded, exportEvents[^1].As<JobStatusEvent>().State);
        var exported = await viewer.Runs.Get(run.Id, ct);
        Assert.Equal(export.Id, exported.ExportJobId);
        var onnx = await viewer.Runs.Onnx(run.Id, ct);
        Assert.Equal(exported.OnnxArtifact, Convert.ToHexStringLower(SHA256.HashData(onnx)));

        // The exported file, registered as a version of its own and measured on the held-out blobs at import.
        var model = $"imported-{Guid.NewGuid().ToString("N")[..8]}";
        await contributor.Models.Create(model, null, ct);
        var imported = await contributor.Models.ImportVersion(model, new MemoryStream(onnx), "tiny.onnx", heldOut, ct);
        Assert.Equal((1, "Import"), (imported.Number, imported.Lineage.Source));
        Assert.Equal(exported.OnnxArtifact, imported.Artifacts.Single(a => a.Kind == "onnx").Sha256);
        Assert.Equal(["a", "b", "c"], imported.ClassNames);
        Assert.NotNull(imported.Evidence.Accuracy);

        // An evaluation job on the same dataset measures the same file, so it finds the same accuracy, with the full report.
        var evaluation = await contributor.Evaluations.Request(model, 1, heldOut, ct);
        Assert.Equal((model, 1, heldOut, JobState.Queued), (evaluation.Model, evaluation.Version, evaluation.DatasetId, evaluation.State));
        Assert.Null(evaluation.Report);
        await TinyModels.UntilFinished(viewer, LiveTopics.Job(evaluation.JobId), ct);
        var done = await viewer.Evaluations.Get(evaluation.Id, ct);
        Assert.Equal(JobState.Succeeded, done.State);
        Assert.NotNull(done.CompletedAt);
        Assert.Equal(imported.Evidence.Accuracy, done.Accuracy);
        var report = done.Report!;
        Assert.Equal((90, done.Accuracy!.Value), (report.SampleCount, report.Accuracy));
        Assert.Equal(["a", "b", "c"], report.Classes.Select(c => c.Name));
        Assert.Equal(90, report.ConfusionMatrix.Sum(row => row.Sum()));
        Assert.Equal(report.Classes.Select(c => c.Support), report.ConfusionMatrix.Select(row => row.Sum()));
        Assert.Equal([evaluation.Id], (await viewer.Evaluations.ListAll(model, 1, ct).ToListAsync(ct)).Select(e => e.Id));
        Assert.Equal((1, false), ((await viewer.Evaluations.List(model, 1, 0, 1, ct)).Total, (await viewer.Evaluations.List(model, 1, 0, 1, ct)).HasMore));
    }

    [Fact]
    public async Task Refused_exports_imports_and_evaluations_say_why()
    {
        await using var contributor = await portal.ClientAs(PortalRoles.Contributor);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = cancel.Token;

        // A run still in training has no weights to export.
        var train = await LivePortal.UploadBlobs(contributor, 300, seed: 31);
        var training = await contributor.Runs.Create(new CreateRunRequest("not-yet", train, null, LivePortal.TinySpec,
            JsonSerializer.SerializeToElement(new { epochs = 200, batchSize = 16, seed = 1 })), ct);
        var early = await Assert.ThrowsAsync<PortalApiException>(() => contributor.Runs.Export(training.Id, ct));
        Assert.Equal(HttpStatusCode.Conflict, early.Status);
        Assert.Contains("has no weights to export yet", early.Message);
        // Cancelled at once, possibly before its first batch: it must still stop (and free the training slot).
        await contributor.Runs.Cancel(training.Id, ct);
        Assert.Equal(JobState.Cancelled, (await TinyModels.UntilFinished(contributor, LiveTopics.Run(training.Id), ct))[^1].As<JobStatusEvent>().State);
        var missing = Guid.NewGuid();
        Assert.Equal($"No run {missing}.", (await Assert.ThrowsAsync<PortalApiException>(() => contributor.Runs.Export(missing, ct))).Message);

        var model = $"refusals-{Guid.NewGuid().ToString("N")[..8]}";
        await contributor.Models.Create(model, null, ct);
        var notOnnx = await Assert.ThrowsAsync<PortalApiException>(() =>
            contributor.Models.ImportVersion(model, new MemoryStream("not an onnx file"u8.ToArray()), "broken.onnx", ct: ct));
        Assert.Equal(HttpStatusCode.BadRequest, notOnnx.Status);
        Assert.False(string.IsNullOrWhiteSpace(notOnnx.Message));

        // A dataset of 4×4 images does not fit a network that takes 36 inputs: refused at the request, not as a failed job.
        var (run, heldOut) = await TinyModels.TrainedRun(contributor, seed: 33, ct);
        await contributor.Models.RegisterVersion(model, run.Id, heldOut, ct);
        var (images, labels) = Portal.Server.Tests.Datasets.IdxFiles.Separable(30, 4, 3, 34);
        var small = await contributor.Datasets.ImportIdx($"small-{Guid.NewGuid().ToString("N")[..8]}", new MemoryStream(images), new MemoryStream(labels), ["a", "b", "c"], ct);
        var misfit = await Assert.ThrowsAsync<PortalApiException>(() => contributor.Evaluations.Request(model, 1, small.Id, ct));
        Assert.Equal(HttpStatusCode.BadRequest, misfit.Status);
        Assert.Contains($"Version 1 of '{model}' cannot be evaluated on dataset '{small.Name}'", misfit.Message);
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<PortalApiException>(() => contributor.Evaluations.Request(model, 9, heldOut, ct))).Status);
        Assert.Equal($"No evaluation {missing}.", (await Assert.ThrowsAsync<PortalApiException>(() => contributor.Evaluations.Get(missing, ct))).Message);
    }
}
