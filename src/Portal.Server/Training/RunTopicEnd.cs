using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Jobs;
using Portal.Server.Jobs;
using Portal.Server.Live;
using Portal.Server.Persistence;

namespace Portal.Server.Training;

/// <summary>
/// A run's topic ends with its training job's final status (succeeded, failed or cancelled); an interrupted run may
/// resume, so its topic goes on. Export jobs also report on the run's topic, but they do not end it.
/// </summary>
public sealed class RunTopicEnd(IServiceScopeFactory scopes) : ILiveTopicEnd
{
    private const string Prefix = "run:";

    public bool Covers(string topic) => topic.StartsWith(Prefix, StringComparison.Ordinal);

    public bool IsLast(object data) => data is JobStatusEvent { Kind: JobKinds.Training } status && JobLifecycle.IsFinal(status.State);

    public async Task<bool> HasEnded(string topic, CancellationToken ct)
    {
        if (!Guid.TryParse(topic.AsSpan(Prefix.Length), out var runId)) return false;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var states = await db.Runs.Where(r => r.Id == runId)
            .Join(db.Jobs, r => r.JobId, j => j.Id, (_, j) => j.State)
            .ToListAsync(ct);
        return states is [var state] && JobLifecycle.IsFinal(state);
    }
}
