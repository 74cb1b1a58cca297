using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Jobs;
using Portal.Server.Audit;
using Portal.Server.Hosting;
using Portal.Server.Live;
using Portal.Server.Persistence;

namespace Portal.Server.Jobs;

/// <summary>
/// At start on SQLite, before the runner claims anything: a job still marked Running was held by this process before
/// it died (killed, crashed, power lost; SQLite has one process), so it becomes Interrupted, resumable from its last
/// checkpoint. Queued jobs stay queued and run as before. On PostgreSQL other processes may be running their jobs:
/// a job on a live lease is theirs, and one whose lease ran out is taken over by the runners' claims
/// (<see cref="JobQueue.TryClaim"/>), so nothing is done here.
/// </summary>
public sealed class JobRecovery : IStartupTask
{
    public int Order => 30;

    public async Task Run(IServiceProvider services, CancellationToken ct)
    {
        var db = services.GetRequiredService<PortalDbContext>();
        if (!db.Database.IsSqlite()) return;
        var audit = services.GetRequiredService<AuditLog>();
        var bus = services.GetRequiredService<LiveBus>();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var orphans = await db.Jobs.Where(j => j.State == JobState.Running).ToListAsync(ct);
        foreach (var job in orphans)
        {
            var reason = $"The server stopped while the job ran (held by {job.ClaimedBy ?? "an unknown runner"}); resume it to continue from its last checkpoint.";
            JobLifecycle.Move(job, JobState.Interrupted, now, reason);
            audit.Append("system", "job.interrupt", "job", job.Id.ToString(), new { job.Kind, reason });
        }
        if (orphans.Count == 0) return;
        await db.SaveChangesAsync(ct);
        var handlers = services.GetServices<IJobHandler>();
        foreach (var job in orphans) JobTopics.PublishStatus(bus, job, handlers);
    }
}
