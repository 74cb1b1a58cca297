namespace Portal.Server.Approvals;

/// <summary>
/// Expires overdue pending requests once a minute, so lists and dashboards show them as expired even when nobody
/// opens them. Correctness does not depend on it: every read and decision expires an overdue request first.
/// </summary>
public sealed class PromotionExpirySweep(IServiceScopeFactory scopes, TimeProvider clock, ILogger<PromotionExpirySweep> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var expired = await scope.ServiceProvider.GetRequiredService<PromotionService>().ExpireOverdue(stoppingToken);
                    if (expired > 0) logger.LogInformation("Expired {Count} overdue promotion requests.", expired);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "The promotion expiry sweep failed; it runs again in {Period}.", Period);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
