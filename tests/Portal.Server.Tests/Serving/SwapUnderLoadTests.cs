using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Server.Live;
using Portal.Server.Serving;
using Portal.Server.Tests.Approvals;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Serving;

[Collection(ServingCollection.Name)]
public sealed class SwapUnderLoadTests(ServingPortal portal)
{
    [Fact]
    public async Task Promotions_and_rollbacks_under_continuous_load_fail_no_request()
    {
        var model = await portal.CreateModel(2);
        var bus = portal.Services.GetRequiredService<LiveBus>();
        using var events = bus.Subscribe(DeploymentTopics.Deployment(model, "production"));
        var failures = new ConcurrentQueue<string>();
        var answeredBy = new ConcurrentDictionary<int, int>();
        var requests = 0;
        using var stop = new CancellationTokenSource();

        async Task Caller(int seed)
        {
            var row = InferCalls.Row(seed);
            var body = InferCalls.Body([row]);
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var response = await portal.Viewer.Infer($"/v2/models/{model}/infer", body);
                    Interlocked.Increment(ref requests);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        failures.Enqueue($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                        continue;
                    }
                    var (version, rows, _) = await response.Outputs();
                    var expected = ServingPortal.Expected(version, row);
                    if (Enumerable.Range(0, 3).Any(i => Math.Abs(expected[i] - rows[0][i]) > 1e-4f)) failures.Enqueue($"version {version} answered a wrong value");
                    answeredBy.AddOrUpdate(version, 1, (_, n) => n + 1);
                }
                catch (Exception e)
                {
                    failures.Enqueue(e.ToString());
                }
            }
        }

        var callers = Enumerable.Range(0, 8).Select(i => Task.Run(() => Caller(i))).ToArray();
        const int cycles = 4;
        for (var cycle = 0; cycle < cycles; cycle++)
        {
            var request = await portal.Contributor.Requested(model, "production", 2);
            await (await portal.Approver.Approve(request.Id)).View();
            await portal.WaitServed(model, "production", 2);
            await Task.Delay(100);
            await (await portal.Approver.Rollback(model, "production")).AssertStatus(HttpStatusCode.OK);
            await portal.WaitServed(model, "production", 1);
            await Task.Delay(100);
        }
        await stop.CancelAsync();
        await Task.WhenAll(callers);

        Assert.True(failures.IsEmpty, $"{failures.Count} of {requests} requests failed; first: {failures.FirstOrDefault()}");
        Assert.True(requests > 100, $"only {requests} requests ran during the swaps");
        Assert.True(answeredBy.GetValueOrDefault(1) > 0 && answeredBy.GetValueOrDefault(2) > 0, "both versions should have answered");
        var swaps = new List<DeploymentSwap>();
        while (events.TryRead(out var e)) if (e.Type == "swap") swaps.Add((DeploymentSwap)e.Data);
        Assert.Equal(2 * cycles, swaps.Count);
        Assert.Equal(Enumerable.Range(0, cycles).SelectMany(_ => new[] { 2, 1 }), swaps.Select(s => s.ToVersion));
    }
}
