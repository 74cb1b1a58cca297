using System.Net;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Serving;
using Portal.Server.Serving;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Serving;

[Collection(ServingCollection.Name)]
public sealed class BatchingTests(ServingPortal portal)
{
    [Fact]
    public async Task Concurrent_requests_merge_into_one_run_and_each_gets_its_own_rows_back()
    {
        var model = await portal.CreateModel();
        // A long queue delay lets every request of the burst join the first one's batch.
        await (await portal.Admin.PutBatching(model, new { maxBatchSize = 16, maxQueueDelayMicroseconds = 300_000, maxQueueSize = 100 })).AssertStatus(HttpStatusCode.OK);

        var rows = Enumerable.Range(0, 12).Select(InferCalls.Row).ToArray();
        var answers = await Task.WhenAll(rows.Select(async row => await (await portal.Viewer.Infer(model, row)).Outputs()));

        for (var i = 0; i < rows.Length; i++) InferCalls.AssertRow(ServingPortal.Expected(1, rows[i]), answers[i].Rows[0]);
        var batches = portal.Observer.Batches.Where(b => b.Model == model).ToList();
        Assert.Equal(rows.Length, batches.Sum(b => b.Rows));
        Assert.True(batches.Count < rows.Length, $"{rows.Length} requests ran in {batches.Count} runs: nothing was merged");
        // The observer sees each merged run's inputs and outputs row by row.
        var merged = batches.MaxBy(b => b.Rows);
        for (var r = 0; r < merged.Rows; r++)
            InferCalls.AssertRow(ServingPortal.Expected(1, merged.Inputs.AsSpan(r * 4, 4)), merged.Outputs.AsSpan(r * 3, 3).ToArray());
        var view = await portal.Viewer.Deployment(model);
        var window = Assert.Single(view.Metrics!.Versions);
        Assert.True(window.MeanBatchSize > 1, $"mean batch size {window.MeanBatchSize}");
        Assert.Equal(rows.Length, window.Requests);
    }

    [Fact]
    public async Task After_a_lone_request_the_next_lone_request_runs_without_waiting_out_the_queue_delay()
    {
        var model = await portal.CreateModel();
        await (await portal.Admin.PutBatching(model, new { maxBatchSize = 8, maxQueueDelayMicroseconds = 1_000_000, maxQueueSize = 100 })).AssertStatus(HttpStatusCode.OK);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        InferCalls.AssertRow(ServingPortal.Expected(1, InferCalls.Row(1)), (await (await portal.Viewer.Infer(model, InferCalls.Row(1))).Outputs()).Rows[0]);
        var first = clock.Elapsed;
        clock.Restart();
        InferCalls.AssertRow(ServingPortal.Expected(1, InferCalls.Row(2)), (await (await portal.Viewer.Infer(model, InferCalls.Row(2))).Outputs()).Rows[0]);
        var second = clock.Elapsed;

        // A fresh version waits for company, so the first request sits out the delay; the second follows a lone one.
        Assert.True(first >= TimeSpan.FromSeconds(0.9), $"the first request took {first.TotalMilliseconds:F0} ms: it did not wait for others");
        Assert.True(second < TimeSpan.FromSeconds(0.5), $"the second lone request took {second.TotalMilliseconds:F0} ms: it waited out the queue delay");
    }

    [Fact]
    public async Task Batching_off_runs_every_request_alone()
    {
        var model = await portal.CreateModel();
        await (await portal.Admin.PutBatching(model, new { maxBatchSize = 1 })).AssertStatus(HttpStatusCode.OK);

        var rows = Enumerable.Range(0, 8).Select(InferCalls.Row).ToArray();
        var answers = await Task.WhenAll(rows.Select(async row => await (await portal.Viewer.Infer(model, row)).Outputs()));

        for (var i = 0; i < rows.Length; i++) InferCalls.AssertRow(ServingPortal.Expected(1, rows[i]), answers[i].Rows[0]);
        Assert.All(portal.Observer.Batches.Where(b => b.Model == model), b => Assert.Equal(1, b.Rows));
    }

    [Fact]
    public async Task A_full_queue_answers_503_and_the_queued_request_still_succeeds()
    {
        var model = await portal.CreateModel();
        await (await portal.Admin.PutBatching(model, new { maxBatchSize = 8, maxQueueDelayMicroseconds = 1_000_000, maxQueueSize = 1 })).AssertStatus(HttpStatusCode.OK);

        var first = portal.Viewer.Infer(model, InferCalls.Row(1));
        await Task.Delay(200);
        var second = await portal.Viewer.Infer(model, InferCalls.Row(2));

        var message = await second.Error(HttpStatusCode.ServiceUnavailable);
        Assert.Contains("queue", message);
        Assert.Contains("1 requests waiting", message);
        InferCalls.AssertRow(ServingPortal.Expected(1, InferCalls.Row(1)), (await (await first).Outputs()).Rows[0]);
        var window = Assert.Single((await portal.Viewer.Deployment(model)).Metrics!.Versions);
        Assert.Equal(1, window.Failures);
    }

    [Fact]
    public async Task Batching_settings_are_read_and_changed_by_an_admin_and_audited()
    {
        var model = await portal.CreateModel();
        var defaults = (await portal.Viewer.Deployment(model)).Batching;
        Assert.Equal(new BatchingSettings(32, 100, 1024), defaults);

        var forbidden = await portal.Approver.PutBatching(model, new { maxBatchSize = 4 });
        var changed = await (await portal.Admin.PutBatching(model, new { maxBatchSize = 4, maxQueueDelayMicroseconds = 50 })).ReadJson<DeploymentView>();
        var invalid = await portal.Admin.PutBatching(model, new { maxBatchSize = 0 });

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(new BatchingSettings(4, 50, 1024), changed.Batching);
        Assert.Equal(new BatchingSettings(4, 50, 1024), (await portal.Viewer.Deployment(model)).Batching);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("maxBatchSize", await invalid.Content.ReadAsStringAsync());
        var audit = await portal.InDatabase(db => db.AuditEvents.Where(e => e.Action == "deployment.batching").ToListAsync());
        Assert.Contains(audit, e => e.Details!.Contains(model));
    }
}
