using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Contracts.Audit;
using Portal.Server.Hosting;
using Portal.Server.Persistence;

namespace Portal.Server.Audit;

/// <summary>
/// Checkpoints the chain's head when the portal starts, every <see cref="AuditOptions.CheckpointInterval"/> while
/// it runs and when it stops, whenever the chain has grown since the latest checkpoint.
/// </summary>
public sealed class AuditCheckpointWriter(IServiceScopeFactory scopes, AuditCheckpointLog log, IOptions<PortalOptions> options, TimeProvider clock, ILogger<AuditCheckpointWriter> logger) : BackgroundService
{
    /// <summary>Checkpoints the head now if the chain has grown; returns the checkpoint written, or null.</summary>
    public async Task<AuditCheckpoint?> CheckpointNow(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        // A checkpoint vouches for the chain it extends: none is written over a chain that no longer holds the latest one.
        if (await log.Latest(ct) is { } latest)
        {
            var then = await db.AuditEvents.AsNoTracking().Where(e => e.Sequence == latest.Sequence).Select(e => e.Hash).FirstOrDefaultAsync(ct);
            if (then != latest.Head)
            {
                logger.LogError("The audit chain no longer holds event {Sequence} as checkpointed at {Time}; no checkpoint is written until it is restored (see /api/v1/audit/verify)", latest.Sequence, latest.Time);
                return null;
            }
        }
        var head = await db.AuditEvents.AsNoTracking().OrderByDescending(e => e.Sequence).Select(e => new { e.Sequence, e.Hash }).FirstOrDefaultAsync(ct);
        return head is null ? null : await log.Append(head.Sequence, head.Hash, ct);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await TryCheckpoint(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.Audit.CheckpointInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            await TryCheckpoint(stoppingToken);
            try
            {
                await Task.Delay(interval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task TryCheckpoint(CancellationToken ct)
    {
        try
        {
            await CheckpointNow(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "The audit chain could not be checkpointed to {File}", log.FilePath);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
