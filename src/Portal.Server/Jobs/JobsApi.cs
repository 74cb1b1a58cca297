using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Contracts;
using Portal.Contracts.Jobs;
using Portal.Server.Api;
using Portal.Server.Auth;

namespace Portal.Server.Jobs;

/// <summary>
/// /api/v1/jobs: Viewer reads; Contributor cancels and resumes their own jobs, Admin anyone's.
/// </summary>
public static class JobsApi
{
    public static RouteGroupBuilder MapJobsApi(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/jobs").WithTags("Jobs");
        group.MapGet("/", List).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("List jobs")
            .WithDescription("Long work (training, export, evaluation, compression, import), newest first, filtered by `state` (Queued, Running, Succeeded, Failed, "
                + "Cancelled, Interrupted) and `kind` (training, export, evaluation, compression, import). Paged: `offset`, and `limit` (default 50, at most 500).")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        group.MapGet("/{id:guid}", Get).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("Get a job")
            .WithDescription("The job's state, progress (0 to 1), the reason it failed, attempts and times. Live updates are on the hub /hubs/live, topic `job:{id}`.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{id:guid}/cancel", Cancel).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor))
            .WithSummary("Cancel a job")
            .WithDescription("A queued or interrupted job is cancelled at once (200). A running job is told to stop and stops within a batch (202, still Running "
                + "in the answer); one running on another node is told at its runner's next lease renewal. Only the job's creator or an Admin may cancel it (403); 409 when it has already finished.")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{id:guid}/resume", Resume).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor))
            .WithSummary("Resume an interrupted job")
            .WithDescription("Queues again a job the server stopped by going down (Interrupted); training continues from its last checkpoint. "
                + "Only the job's creator or an Admin may resume it (403); 409 for a job in any other state.")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return v1;
    }

    private static async Task<Ok<Page<JobView>>> List([AsParameters] JobService.Filter filter, [AsParameters] PageRequest page, JobService jobs, CancellationToken ct)
    {
        var found = await jobs.List(filter, page, ct);
        return TypedResults.Ok(new Page<JobView>([.. found.Items.Select(JobViews.View)], found.Offset, found.Limit, found.Total));
    }

    private static async Task<Ok<JobView>> Get(Guid id, JobService jobs, CancellationToken ct) =>
        TypedResults.Ok(JobViews.View(await jobs.Get(id, ct)));

    /// <summary>200 with the cancelled job, or 202 with the running job that was told to stop.</summary>
    private static async Task<Results<Ok<JobView>, Accepted<JobView>>> Cancel(Guid id, ClaimsPrincipal user, JobService jobs, CancellationToken ct) =>
        Respond(await jobs.Cancel(id, new CurrentUser(user), ct), id);

    private static async Task<Results<Ok<JobView>, Accepted<JobView>>> Resume(Guid id, ClaimsPrincipal user, JobService jobs, CancellationToken ct) =>
        Respond(await jobs.Resume(id, new CurrentUser(user), ct), id);

    private static Results<Ok<JobView>, Accepted<JobView>> Respond(JobChange change, Guid id) =>
        change.Signalled ? TypedResults.Accepted($"/api/v1/jobs/{id}", JobViews.View(change.Job)) : TypedResults.Ok(JobViews.View(change.Job));
}
