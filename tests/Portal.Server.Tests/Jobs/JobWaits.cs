using System.Diagnostics;
using Portal.Contracts.Jobs;
using Portal.Server.Jobs;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Jobs;

public static class JobWaits
{
    /// <summary>Polls GET /api/v1/jobs/{id} until the job is in <paramref name="state"/>; fails with the last state seen after <paramref name="timeout"/>.</summary>
    public static async Task<JobView> WaitForJob(this HttpClient client, Guid id, JobState state, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var job = await client.GetJson<JobView>($"/api/v1/jobs/{id}");
            if (job.State == state) return job;
            if (clock.Elapsed > limit)
                throw new Xunit.Sdk.XunitException($"Job {id} did not become {state} within {limit}: it is {job.State} ({job.Error}).");
            await Task.Delay(20);
        }
    }
}
