using Portal.Contracts.Jobs;
using Portal.Server.Jobs;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Jobs;

public static class JobWaits
{
    /// <summary>Polls GET /api/v1/jobs/{id} until the job is in <paramref name="state"/>; fails with the last state seen after <paramref name="timeout"/>.</summary>
    public static Task<JobView> WaitForJob(this HttpClient client, Guid id, JobState state, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        return Poll.Until(() => client.GetJson<JobView>($"/api/v1/jobs/{id}"), job => job.State == state, limit,
            job => $"Job {id} did not become {state} within {limit}: it is {job.State} ({job.Error}).", TimeSpan.FromMilliseconds(20));
    }
}
