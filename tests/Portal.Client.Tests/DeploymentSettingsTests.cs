using System.Net;
using Portal.Contracts.Serving;
using Portal.Server.Auth;

namespace Portal.Client.Tests;

/// <summary>A deployment's canary and batching, and the protocol's health, readiness and server metadata, through the client.</summary>
public sealed class DeploymentSettingsTests(LivePortal portal) : IClassFixture<LivePortal>
{
    [Fact]
    public async Task An_approver_sets_and_removes_a_canary_and_an_admin_tunes_batching()
    {
        await using var contributor = await portal.ClientAs(PortalRoles.Contributor);
        await using var approver = await portal.ClientAs(PortalRoles.Approver);
        await using var admin = await portal.ClientAs(PortalRoles.Admin);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = cancel.Token;
        var model = await TinyModels.ServedModel(contributor, "staging", versions: 2, seed: 41, ct);

        // Canary: an Approver's act, refused to a Contributor; the percentage and the version are checked.
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<PortalApiException>(() => contributor.Deployments.SetCanary(model, "staging", 2, 25, ct))).Status);
        var whole = await Assert.ThrowsAsync<PortalApiException>(() => approver.Deployments.SetCanary(model, "staging", 2, 100, ct));
        Assert.Equal(HttpStatusCode.BadRequest, whole.Status);
        Assert.Contains("percent must be more than 0 and less than 100, not 100", whole.Message);
        var holder = await Assert.ThrowsAsync<PortalApiException>(() => approver.Deployments.SetCanary(model, "staging", 1, 25, ct));
        Assert.Equal(HttpStatusCode.Conflict, holder.Status);
        Assert.Contains("Version 1 already holds alias 'staging'", holder.Message);

        var withCanary = await approver.Deployments.SetCanary(model, "staging", 2, 25, ct);
        Assert.Equal((2, 25.0), (withCanary.Canary!.Version, withCanary.Canary.Percent));
        Assert.Equal(1, withCanary.Version!.Number);
        // The canary version is served (by version number too) once it has loaded.
        while (!await contributor.Inference.IsModelReady(model, version: 2, ct: ct)) await Task.Delay(50, ct);
        Assert.Equal("2", (await contributor.Inference.Metadata(model, version: 2, ct: ct)).ServedVersion);

        var withoutCanary = await approver.Deployments.RemoveCanary(model, "staging", ct);
        Assert.Null(withoutCanary.Canary);
        Assert.Null((await contributor.Deployments.Get(model, "staging", ct)).Canary);
        var none = await Assert.ThrowsAsync<PortalApiException>(() => approver.Deployments.RemoveCanary(model, "staging", ct));
        Assert.Equal((HttpStatusCode.NotFound, $"Deployment '{model}/staging' has no canary."), (none.Status, none.Message));

        // Batching: an Admin's act; each setting left out takes the configured default again.
        var defaults = (await contributor.Deployments.Get(model, "staging", ct)).Batching!;
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<PortalApiException>(() => approver.Deployments.SetBatching(model, "staging", 8, ct: ct))).Status);
        var tuned = await admin.Deployments.SetBatching(model, "staging", maxBatchSize: 8, maxQueueDelayMicroseconds: 500, maxQueueSize: 100, ct);
        Assert.Equal(new BatchingSettings(8, 500, 100), tuned.Batching);
        Assert.Equal(new BatchingSettings(8, 500, 100), (await contributor.Deployments.Get(model, "staging", ct)).Batching);
        var zero = await Assert.ThrowsAsync<PortalApiException>(() => admin.Deployments.SetBatching(model, "staging", maxBatchSize: 0, ct: ct));
        Assert.Equal(HttpStatusCode.BadRequest, zero.Status);
        Assert.Contains("maxBatchSize must be between 1", zero.Message);
        Assert.Equal(defaults, (await admin.Deployments.SetBatching(model, "staging", ct: ct)).Batching);
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<PortalApiException>(() => admin.Deployments.SetBatching(model, "production", 4, ct: ct))).Status);
    }

    [Fact]
    public async Task The_protocol_reports_health_without_a_key_and_readiness_and_metadata_to_a_viewer()
    {
        await using var contributor = await portal.ClientAs(PortalRoles.Contributor);
        await using var viewer = await portal.ClientAs(PortalRoles.Viewer);
        await using var anonymous = portal.Client("");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = cancel.Token;
        var model = await TinyModels.ServedModel(contributor, "staging", versions: 1, seed: 51, ct);

        Assert.True(await anonymous.Inference.IsLive(ct));
        Assert.True(await anonymous.Inference.IsReady(ct));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Assert.ThrowsAsync<PortalApiException>(() => anonymous.Inference.ServerMetadata(ct))).Status);

        var server = await viewer.Inference.ServerMetadata(ct);
        Assert.Equal("portal", server.Name);
        Assert.False(string.IsNullOrEmpty(server.Version));
        Assert.Equal("cpu", server.ExecutionProvider?.Device);
        Assert.Contains("no CUDA execution provider", server.ExecutionProvider?.Reason);
        Assert.True(await viewer.Inference.IsModelReady(model, "staging", ct: ct));
        Assert.True(await viewer.Inference.IsModelReady(model, version: 1, ct: ct));
        var metadata = await viewer.Inference.Metadata(model, "staging", ct: ct);
        Assert.Equal(("staging", "1"), (metadata.Alias, metadata.ServedVersion));
        var notServed = await Assert.ThrowsAsync<PortalApiException>(() => viewer.Inference.IsModelReady(model, ct: ct));
        Assert.Equal(HttpStatusCode.NotFound, notServed.Status);
        Assert.Contains($"Model '{model}' has no alias 'production'; it is served as staging", notServed.Message);
    }
}
