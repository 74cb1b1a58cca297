using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Server.Api;
using Portal.Server.Auth;
using Portal.Server.Registry;

namespace Portal.Server.Compression;

/// <summary>
/// Compression jobs: a Contributor compresses a version with a recipe (202 with the compression and its job; the new
/// version appears when the job succeeds); Viewers read them. Progress is live on <c>compression:{id}</c> and <c>job:{jobId}</c>.
/// </summary>
public static class CompressionApi
{
    public static RouteGroupBuilder MapCompressionApi(this RouteGroupBuilder v1)
    {
        var viewer = PortalRoles.AtLeast(PortalRoles.Viewer);
        v1.MapPost("/models/{name}/versions/{number:int}/compressions", Request).WithTags("Compression")
            .RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor)).ProducesProblem(400).ProducesProblem(404);
        v1.MapGet("/models/{name}/compressions", List).WithTags("Compression").RequireAuthorization(viewer).ProducesProblem(404);
        v1.MapGet("/compressions/{id:guid}", Get).WithTags("Compression").RequireAuthorization(viewer).ProducesProblem(404);
        return v1;
    }

    private static Task<Results<Accepted<CompressionService.CompressionView>, ProblemHttpResult>> Request(
        string name, int number, CompressionService.CompressRequest request, CompressionService compressions, ClaimsPrincipal user, CancellationToken ct) =>
        ModelsApi.Answer(async () =>
        {
            var compression = await compressions.Request(name, number, request, Actor.Name(user), ct);
            return TypedResults.Accepted($"/api/v1/compressions/{compression.Id}", compression);
        });

    private static Task<Results<Ok<Page<CompressionService.CompressionView>>, ProblemHttpResult>> List(
        string name, [AsParameters] PageRequest page, CompressionService compressions, CancellationToken ct) =>
        ModelsApi.Answer(async () => TypedResults.Ok(await compressions.List(name, page, ct)));

    private static Task<Results<Ok<CompressionService.CompressionView>, ProblemHttpResult>> Get(Guid id, CompressionService compressions, CancellationToken ct) =>
        ModelsApi.Answer(async () => TypedResults.Ok(await compressions.Get(id, ct)));
}
