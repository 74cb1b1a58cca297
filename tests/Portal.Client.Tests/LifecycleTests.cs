using System.Net;
using System.Text.Json;
using Portal.Client.Live;
using Portal.Client.Models;
using Portal.Contracts.Audit;
using Portal.Contracts.Jobs;
using Portal.Contracts.Registry;
using Portal.Contracts.Training;
using Portal.Server.Auth;

namespace Portal.Client.Tests;

/// <summary>Every call of the client against a real server on a loopback port, in the order a team would make them.</summary>
public sealed class LifecycleTests(LivePortal portal) : IClassFixture<LivePortal>
{
    [Fact]
    public async Task A_contributor_trains_registers_and_requests_promotion_and_an_approver_decides()
    {
        await using var contributor = await portal.ClientAs(PortalRoles.Contributor);
        await using var approver = await portal.ClientAs(PortalRoles.Approver);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = cancel.Token;

        // Datasets: import, read back, list with paging.
        var datasetId = await LivePortal.UploadBlobs(contributor, 300, seed: 1);
        var dataset = await contributor.Datasets.Get(datasetId, ct);
        Assert.Equal((300, "Idx"), (dataset.Count, dataset.Format.ToString()));
        Assert.Equal(["a", "b", "c"], dataset.ClassNames);
        Assert.Contains(await contributor.Datasets.ListAll(ct).ToListAsync(ct), d => d.Id == datasetId);

        // Runs: start, watch live to the end, then the stored curve and weights.
        var run = await contributor.Runs.Create(new CreateRunRequest("client-run", datasetId, null, LivePortal.TinySpec,
            JsonSerializer.SerializeToElement(new { epochs = 2, batchSize = 16, seed = 3 })), ct);
        Assert.Equal(JobState.Queued, run.State);
        var steps = new List<RunStep>();
        var epochs = new List<RunEpochView>();
        await foreach (var m in contributor.Live.Watch(LiveTopics.Run(run.Id), 0, ct))
        {
            if (m.Type == "step") steps.Add(m.As<RunStep>());
            if (m.Type == "epoch") epochs.Add(m.As<RunEpochView>());
            if (m.Type == "status" && m.As<JobStatusEvent>().State.IsFinished()) break;
        }
        run = await contributor.Runs.Get(run.Id, ct);
        Assert.Equal(JobState.Succeeded, run.State);
        Assert.Equal(Enumerable.Range(1, steps.Count).Select(i => (long)i), steps.Select(s => s.Step));
        Assert.Equal(steps[0].TotalSteps, steps.Count);
        var curve = await contributor.Runs.Metrics(run.Id, ct);
        Assert.Equal([1, 2], curve.Select(e => e.Epoch));
        Assert.Equal(curve, epochs);
        var storedSteps = await contributor.Runs.Steps(run.Id, ct);
        Assert.Equal(steps.Select(s => new RunStepPoint(s.Step, s.Epoch, s.Loss, s.LearningRate)), storedSteps);
        Assert.NotEmpty(await contributor.Runs.Weights(run.Id, ct));
        Assert.Contains((await contributor.Runs.List(0, 500, ct)).Items, r => r.Id == run.Id);
        var job = await contributor.Jobs.Get(run.JobId, ct);
        Assert.Equal(JobState.Succeeded, job.State);
        Assert.Contains(await contributor.Jobs.ListAll(JobState.Succeeded, "training", ct).ToListAsync(ct), j => j.Id == run.JobId);

        // Registry: a model, two versions from the run, tags, an unprotected alias, paging through versions.
        var modelName = $"client-{Guid.NewGuid().ToString("N")[..8]}";
        var model = await contributor.Models.Create(modelName, "made by the client tests", ct);
        Assert.Equal(modelName, model.Name);
        var heldOut = await LivePortal.UploadBlobs(contributor, 90, seed: 2);
        var v1 = await contributor.Models.RegisterVersion(modelName, run.Id, heldOut, ct);
        var v2 = await contributor.Models.RegisterVersion(modelName, run.Id, heldOut, ct);
        Assert.Equal((1, 2), (v1.Number, v2.Number));
        Assert.Equal(run.Id, v1.Lineage.RunId);
        Assert.NotNull(v1.Evidence.Accuracy);
        var page = await contributor.Models.ListVersions(modelName, offset: 0, limit: 1, ct);
        Assert.Equal((1, 2, true), (page.Items.Count, page.Total, page.HasMore));
        Assert.Equal([2, 1], (await contributor.Models.ListAllVersions(modelName, ct).ToListAsync(ct)).Select(v => v.Number).OrderDescending());
        Assert.All(await contributor.Models.ListAllVersions(modelName, ct).ToListAsync(ct), v => Assert.Equal(modelName, v.Model));
        Assert.Equal(new TagView("team", "vision"), await contributor.Models.SetTag(modelName, 2, "team", "vision", ct));
        Assert.Equal("vision", (await contributor.Models.GetVersion(modelName, 2, ct)).Tags["team"]);
        await contributor.Models.RemoveTag(modelName, 2, "team", ct);
        Assert.False((await contributor.Models.GetVersion(modelName, 2, ct)).Tags.ContainsKey("team"));
        var onnx = await contributor.Models.DownloadArtifact(modelName, 1, v1.Artifacts.First(a => a.Kind == "onnx").Kind, ct);
        Assert.NotEmpty(onnx);
        var staging = await contributor.Models.MoveAlias(modelName, "staging", 1, ct);
        Assert.Equal(("staging", 1), (staging.Alias, staging.Version));
        Assert.Contains(await contributor.Models.Aliases(modelName, ct), a => a.Alias == "staging");
        Assert.Equal(1, (await contributor.Models.AliasHistory(modelName, "staging", ct: ct)).Items.Single().Version);
        Assert.Contains((await contributor.Models.List(0, 500, ct)).Items, m => m.Name == modelName);
        Assert.Equal(2, (await contributor.Models.Get(modelName, ct)).VersionCount);

        // Promotions: production is protected, so it takes a request; its author cannot approve it; an approver does.
        var policy = await contributor.Models.GetPolicy(modelName, ct);
        Assert.Contains("production", policy.ProtectedAliases);
        var request = await contributor.Promotions.Submit(modelName, "production", 1, "first release", ct);
        Assert.Equal("Pending", request.State);
        var first = await approver.Promotions.Approve(request.Id, "looks right", ct: ct);
        Assert.Equal("Approved", first.State);
        Assert.Equal(1, (await contributor.Models.Aliases(modelName, ct)).Single(a => a.Alias == "production").Version);
        var second = await contributor.Promotions.Submit(modelName, "production", 2, null, ct);
        Assert.Equal("Denied", (await approver.Promotions.Deny(second.Id, "not yet", ct)).State);
        var third = await contributor.Promotions.Submit(modelName, "production", 2, null, ct);
        Assert.Equal("Cancelled", (await contributor.Promotions.Cancel(third.Id, "changed my mind", ct)).State);
        var fourth = await contributor.Promotions.Submit(modelName, "production", 2, null, ct);
        Assert.Equal("Approved", (await approver.Promotions.Approve(fourth.Id, ct: ct)).State);
        Assert.Contains(await approver.Promotions.ListAll(model: modelName, ct: ct).ToListAsync(ct), p => p.Id == second.Id && p.State == "Denied");
        Assert.Equal(fourth.Id, (await approver.Promotions.Get(fourth.Id, ct)).Id);
        var rollback = await approver.Models.Rollback(modelName, "production", "v2 misbehaves", ct);
        Assert.Equal((1, 2), (rollback.Version, rollback.RolledBackFrom));

        // Audit: the decisions are there, newest first, and the chain holds.
        var events = await approver.Audit.ListAll(new AuditFilter(null, "promotion.", null, null, null, null), ct).Where(e => e.SubjectId == request.Id.ToString()).ToListAsync(ct);
        Assert.NotEmpty(events);
        var verified = await approver.Audit.Verify(ct);
        Assert.Equal(JsonValueKind.Object, verified.ValueKind);
    }

    [Fact]
    public async Task Refusals_arrive_as_exceptions_carrying_the_servers_message()
    {
        await using var contributor = await portal.ClientAs(PortalRoles.Contributor);
        await using var viewer = await portal.ClientAs(PortalRoles.Viewer);

        var missing = Guid.NewGuid();
        var notFound = await Assert.ThrowsAsync<PortalApiException>(() => viewer.Runs.Get(missing));
        Assert.Equal((HttpStatusCode.NotFound, $"No run {missing}."), (notFound.Status, notFound.Message));

        var forbidden = await Assert.ThrowsAsync<PortalApiException>(() => viewer.Models.Create("not-allowed"));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.Status);

        var invalid = await Assert.ThrowsAsync<PortalApiException>(() => contributor.Models.Create("bad name!"));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Contains("Model name 'bad name!' is not allowed", invalid.Message);

        var badSpec = await Assert.ThrowsAsync<PortalApiException>(() => contributor.Runs.Create(Guid.NewGuid(), "{\"name\":\"x\",\"inputShape\":[4],\"layers\":[]}"));
        Assert.Equal(HttpStatusCode.BadRequest, badSpec.Status);
        Assert.False(string.IsNullOrWhiteSpace(badSpec.Message));

        await using var stranger = portal.Client("ptl_not-a-key");
        var unauthorised = await Assert.ThrowsAsync<PortalApiException>(() => stranger.Users.Me());
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.Status);
    }

    [Fact]
    public async Task A_user_creates_lists_and_revokes_their_own_api_keys_and_sees_who_they_are()
    {
        await using var viewer = await portal.ClientAs(PortalRoles.Viewer);

        var me = await viewer.Users.Me();
        Assert.Equal([PortalRoles.Viewer], me.Roles);
        Assert.True(me.ViaApiKey);
        var created = await viewer.ApiKeys.Create("ci-pipeline", expiresInDays: 7);
        Assert.StartsWith("ptl_", created.Secret);
        Assert.Contains(await viewer.ApiKeys.ListAll().ToListAsync(), k => k.Id == created.Key.Id && k.RevokedAt is null);
        await using (var withNewKey = portal.Client(created.Secret)) Assert.Equal(me.Id, (await withNewKey.Users.Me()).Id);

        await viewer.ApiKeys.Revoke(created.Key.Id);

        Assert.NotNull((await viewer.ApiKeys.ListAll().ToListAsync()).Single(k => k.Id == created.Key.Id).RevokedAt);
        await using var revoked = portal.Client(created.Secret);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<PortalApiException>(() => revoked.Users.Me())).Status);
    }

    [Fact]
    public async Task An_admin_manages_users_through_the_client()
    {
        await using var admin = await portal.ClientAs(PortalRoles.Admin);
        var name = $"ops-{Guid.NewGuid().ToString("N")[..8]}";

        var user = await admin.Users.Create(name, "a-long-enough-password", PortalRoles.Viewer);
        var promoted = await admin.Users.ChangeRole(user.Id, PortalRoles.Approver);

        Assert.Equal(PortalRoles.Approver, promoted.Role);
        Assert.Contains((await admin.Users.List(0, 500)).Items, u => u.UserName == name);
    }

    [Fact]
    public async Task Cancelling_a_call_stops_it_with_an_operation_cancelled_exception()
    {
        await using var viewer = await portal.ClientAs(PortalRoles.Viewer);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => viewer.Datasets.List(ct: cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in viewer.Live.Watch(LiveTopics.Jobs, 0, cancelled.Token))
            {
            }
        });
    }
}
