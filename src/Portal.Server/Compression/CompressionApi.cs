using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Contracts;
using Portal.Contracts.Compression;
using Portal.Engine.Compression;
using Portal.Server.Api;
using Portal.Server.Api.OpenApi;
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
            .RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor)).ProducesProblem(400).ProducesProblem(404)
            .WithSummary("Compress a version")
            .WithDescription("Queues a compression job that makes a new version of the model from this one with `recipe`: unstructured pruning "
                + "(prune-unstructured), structured pruning of channels (prune-structured), int8 quantisation (quantize-int8) or distillation into a smaller "
                + "student (distill); settings left out take the engine's defaults. The result is measured side by side with its parent on "
                + "`testDatasetId` (default: the dataset the parent was evaluated on); fine-tuning and calibration use `trainDatasetId` (default: the parent "
                + "run's training set). 202 with the compression and its job; the new version appears when the job succeeds. The recipe, datasets and "
                + "parent are checked now: 400 names what does not fit.")
            .WithRequestExample(new CompressRequest(
                JsonSerializer.SerializeToElement<CompressionRecipe>(
                    new QuantizationRecipe { Calibration = CalibrationMethod.Percentile, Percentile = 99.99, TolerancePoints = 0.5 }, CompressionService.RecipeJson),
                null, Guid.Parse("7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d")));
        v1.MapGet("/models/{name}/compressions", List).WithTags("Compression").RequireAuthorization(viewer).ProducesProblem(404)
            .WithSummary("List a model's compressions")
            .WithDescription("Compressions of any version of the model, newest first: parent, method and recipe, job state, and the version each produced. "
                + "Paged: `offset`, and `limit` (default 50, at most 500).");
        v1.MapGet("/compressions/{id:guid}", Get).WithTags("Compression").RequireAuthorization(viewer).ProducesProblem(404)
            .WithSummary("Get a compression")
            .WithDescription("The compression's parent version, recipe, datasets, job state and progress, and once it succeeded the version it produced. "
                + "Progress is live on the hub /hubs/live, topics `compression:{id}` and `job:{jobId}`.");
        return v1;
    }

    private static async Task<Accepted<CompressionView>> Request(
        string name, int number, CompressRequest request, CompressionService compressions, ClaimsPrincipal user, CancellationToken ct)
    {
        var compression = await compressions.Request(name, number, request, new CurrentUser(user).Name, ct);
        return TypedResults.Accepted($"/api/v1/compressions/{compression.Id}", compression);
    }

    private static async Task<Ok<Page<CompressionView>>> List(
        string name, [AsParameters] PageRequest page, CompressionService compressions, CancellationToken ct) =>
        TypedResults.Ok(await compressions.List(name, page, ct));

    private static async Task<Ok<CompressionView>> Get(Guid id, CompressionService compressions, CancellationToken ct) =>
        TypedResults.Ok(await compressions.Get(id, ct));
}
