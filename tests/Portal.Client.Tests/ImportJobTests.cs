using System.Net;
using Portal.Client.Live;
using Portal.Client.Models;
using Portal.Contracts.Jobs;
using Portal.Server.Auth;

namespace Portal.Client.Tests;

/// <summary>An ONNX import through the client: started as a job, waited for, refused when the same bytes come again.</summary>
public sealed class ImportJobTests(LivePortal portal) : IClassFixture<LivePortal>
{
    [Fact]
    public async Task StartImport_answers_with_the_job_WaitForImport_names_the_version_and_the_same_bytes_again_are_refused()
    {
        await using var contributor = await portal.ClientAs(PortalRoles.Contributor);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = cancel.Token;
        var (run, _) = await TinyModels.TrainedRun(contributor, seed: 41, ct);
        await TinyModels.UntilFinished(contributor, LiveTopics.Job((await contributor.Runs.Export(run.Id, ct)).Id), ct);
        var onnx = await contributor.Runs.Onnx(run.Id, ct);
        var model = $"sized-{Guid.NewGuid().ToString("N")[..8]}";
        await contributor.Models.Create(model, null, ct);

        var started = await contributor.Models.StartImport(model, new MemoryStream(onnx), "tiny.onnx",
            new ModelImportOptions { Dims = new Dictionary<string, long> { ["batch"] = 2 }, IntegerBound = 3 }, ct);

        Assert.Equal(("tiny.onnx", (int?)null), (started.FileName, started.Version));
        Assert.Equal("import", (await contributor.Jobs.Get(started.JobId, ct)).Kind);
        var done = await contributor.Models.WaitForImport(model, started.Id, ct);
        Assert.Equal((JobState.Succeeded, (int?)1), (done.State, done.Version));
        var version = await contributor.Models.GetVersion(model, 1, ct);
        Assert.Contains("batch=2 (given)", version.Evidence.Measurement!.Inputs);
        Assert.Null(version.Evidence.ThroughputBatch64);
        Assert.Equal(["accuracy", "throughput"], version.Evidence.Measurement.NotMeasured.Select(n => n.Figure));
        var again = await Assert.ThrowsAsync<PortalApiException>(() => contributor.Models.ImportVersion(model, new MemoryStream(onnx), "tiny.onnx", ct: ct));
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Contains("already version 1", again.Message);
    }
}
