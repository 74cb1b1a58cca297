using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Portal.Server.Api;
using Portal.Server.Artifacts;
using Portal.Server.Auth;
using Portal.Server.Hosting;

namespace Portal.Server.Registry;

/// <summary>
/// /api/v1/models: models (addressed by name), their versions with lineage and measured evidence, tags, artifacts
/// and aliases. Viewers read; Contributors create models and versions, tag them and move unprotected aliases.
/// </summary>
public static class ModelsApi
{
    public sealed record CreateModelRequest(string Name, string? Description);

    public sealed record RegisterVersionRequest(Guid? RunId, Guid? EvaluationDatasetId);

    public sealed record SetTagRequest(string? Value);

    public sealed record MoveAliasRequest(int Version);

    public static RouteGroupBuilder MapModelsApi(this RouteGroupBuilder v1)
    {
        var maxUpload = ((IEndpointRouteBuilder)v1).ServiceProvider.GetRequiredService<IOptions<PortalOptions>>().Value.MaxUploadBytes;
        var viewer = PortalRoles.AtLeast(PortalRoles.Viewer);
        var contributor = PortalRoles.AtLeast(PortalRoles.Contributor);
        var models = v1.MapGroup("/models").WithTags("Models");

        models.MapGet("/", ListModels).RequireAuthorization(viewer);
        models.MapPost("/", CreateModel).RequireAuthorization(contributor).ProducesProblem(400).ProducesProblem(409);
        models.MapGet("/{name}", GetModel).RequireAuthorization(viewer).ProducesProblem(404);

        models.MapGet("/{name}/versions", ListVersions).RequireAuthorization(viewer).ProducesProblem(404);
        models.MapPost("/{name}/versions", RegisterVersion).RequireAuthorization(contributor).ProducesProblem(400).ProducesProblem(404).ProducesProblem(409);
        models.MapPost("/{name}/versions/import", ImportVersion).RequireAuthorization(contributor)
            .Accepts<IFormFile>("multipart/form-data")
            .WithMetadata(new RequestSizeLimitAttribute(maxUpload))
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(413);
        models.MapGet("/{name}/versions/{number:int}", GetVersion).RequireAuthorization(viewer).ProducesProblem(404);
        models.MapGet("/{name}/versions/{number:int}/artifacts/{kind}", DownloadArtifact).RequireAuthorization(viewer).ProducesProblem(404);
        models.MapPut("/{name}/versions/{number:int}/tags/{key}", SetTag).RequireAuthorization(contributor).ProducesProblem(400).ProducesProblem(404);
        models.MapDelete("/{name}/versions/{number:int}/tags/{key}", RemoveTag).RequireAuthorization(contributor).ProducesProblem(404);

        models.MapGet("/{name}/aliases", ListAliases).RequireAuthorization(viewer).ProducesProblem(404);
        models.MapPut("/{name}/aliases/{alias}", MoveAlias).RequireAuthorization(contributor).ProducesProblem(400).ProducesProblem(404).ProducesProblem(409);
        models.MapGet("/{name}/aliases/{alias}/history", AliasHistory).RequireAuthorization(viewer).ProducesProblem(400).ProducesProblem(404);
        return v1;
    }

    private static async Task<Ok<Page<ModelView>>> ListModels([AsParameters] PageRequest page, ModelRegistry registry, CancellationToken ct) =>
        TypedResults.Ok(await registry.ListModels(page, ct));

    private static Task<Results<Created<ModelView>, ProblemHttpResult>> CreateModel(CreateModelRequest request, ModelRegistry registry, ClaimsPrincipal user, CancellationToken ct) =>
        Answer(async () =>
        {
            var model = await registry.CreateModel(request.Name, request.Description, Actor.Name(user), ct);
            return TypedResults.Created($"/api/v1/models/{Uri.EscapeDataString(model.Name)}", model);
        });

    private static Task<Results<Ok<ModelView>, ProblemHttpResult>> GetModel(string name, ModelRegistry registry, CancellationToken ct) =>
        Answer(async () => TypedResults.Ok(await registry.GetModel(name, ct)));

    private static Task<Results<Ok<Page<VersionSummary>>, ProblemHttpResult>> ListVersions(string name, [AsParameters] PageRequest page, ModelRegistry registry, CancellationToken ct) =>
        Answer(async () => TypedResults.Ok(await registry.ListVersions(name, page, ct)));

    private static Task<Results<Created<VersionView>, ProblemHttpResult>> RegisterVersion(
        string name, RegisterVersionRequest request, VersionRegistration registration, ClaimsPrincipal user, CancellationToken ct) =>
        Answer(async () =>
        {
            if (request.RunId is not { } runId) throw RegistryException.Invalid("A version is registered from a training run: give runId.");
            return Created(await registration.FromRun(name, runId, request.EvaluationDatasetId, Actor.Name(user), ct));
        });

    /// <summary>
    /// multipart/form-data: <c>file</c> (the .onnx) and optionally <c>evaluationDatasetId</c>. The form is read here,
    /// not bound, so a missing field or an oversized upload gets a message rather than a bare 400.
    /// </summary>
    private static Task<Results<Created<VersionView>, ProblemHttpResult>> ImportVersion(
        string name, HttpRequest request, VersionRegistration registration, IOptions<PortalOptions> options, ClaimsPrincipal user, CancellationToken ct) =>
        Answer(async () =>
        {
            var limit = options.Value.MaxUploadBytes;
            if (request.ContentLength > limit) throw new ArtifactTooLargeException(limit);
            if (!request.HasFormContentType)
                throw RegistryException.Invalid("Send the ONNX file as multipart/form-data in the field 'file' (and optionally 'evaluationDatasetId').");
            var form = await request.ReadFormAsync(ct);
            var file = form.Files.GetFile("file") ?? throw RegistryException.Invalid("The form has no field 'file' holding the ONNX file.");
            Guid? evaluationDatasetId = null;
            if (form["evaluationDatasetId"].ToString() is { Length: > 0 } text)
                evaluationDatasetId = Guid.TryParse(text, out var id) ? id : throw RegistryException.Invalid($"evaluationDatasetId '{text}' is not a dataset id (a GUID).");
            using var content = new MemoryStream((int)Math.Min(file.Length, int.MaxValue));
            await file.CopyToAsync(content, ct);
            var fileName = Path.GetFileName(file.FileName) is { Length: > 0 } given ? given : "import.onnx";
            return Created(await registration.Import(name, content.ToArray(), fileName, evaluationDatasetId, Actor.Name(user), ct));
        });

    private static Task<Results<Ok<VersionView>, ProblemHttpResult>> GetVersion(string name, int number, ModelRegistry registry, CancellationToken ct) =>
        Answer(async () => TypedResults.Ok(await registry.GetVersion(name, number, ct)));

    private static Task<Results<FileContentHttpResult, ProblemHttpResult>> DownloadArtifact(string name, int number, string kind, ModelRegistry registry, CancellationToken ct) =>
        Answer(async () =>
        {
            var artifact = await registry.ReadArtifact(name, number, kind, ct);
            return TypedResults.File(artifact.Content, artifact.MediaType, artifact.FileName, entityTag: new EntityTagHeaderValue($"\"{artifact.Sha256}\""));
        });

    private static Task<Results<Ok<TagView>, ProblemHttpResult>> SetTag(
        string name, int number, string key, SetTagRequest request, ModelRegistry registry, ClaimsPrincipal user, CancellationToken ct) =>
        Answer(async () => TypedResults.Ok(await registry.SetTag(name, number, key, request.Value, Actor.Name(user), ct)));

    private static Task<Results<NoContent, ProblemHttpResult>> RemoveTag(string name, int number, string key, ModelRegistry registry, ClaimsPrincipal user, CancellationToken ct) =>
        Answer(async () =>
        {
            await registry.RemoveTag(name, number, key, Actor.Name(user), ct);
            return TypedResults.NoContent();
        });

    private static Task<Results<Ok<IReadOnlyList<AliasView>>, ProblemHttpResult>> ListAliases(string name, AliasRegistry aliases, CancellationToken ct) =>
        Answer(async () => TypedResults.Ok(await aliases.List(name, ct)));

    private static Task<Results<Ok<AliasView>, ProblemHttpResult>> MoveAlias(
        string name, string alias, MoveAliasRequest request, AliasRegistry aliases, ClaimsPrincipal user, CancellationToken ct) =>
        Answer(async () => TypedResults.Ok(await aliases.MoveDirectly(name, alias, request.Version, Actor.Name(user), ct)));

    private static Task<Results<Ok<Page<AliasStretchView>>, ProblemHttpResult>> AliasHistory(
        string name, string alias, [AsParameters] PageRequest page, AliasRegistry aliases, CancellationToken ct) =>
        Answer(async () => TypedResults.Ok(await aliases.History(name, alias, page, ct)));

    private static Created<VersionView> Created(VersionView version) =>
        TypedResults.Created($"/api/v1/models/{Uri.EscapeDataString(version.Model)}/versions/{version.Number}", version);

    /// <summary>Runs a handler, turning a refused registry operation into problem details with its message.</summary>
    internal static async Task<Results<TResult, ProblemHttpResult>> Answer<TResult>(Func<Task<TResult>> handle) where TResult : IResult
    {
        try
        {
            return await handle();
        }
        catch (RegistryException e)
        {
            return e.Kind switch
            {
                RegistryErrorKind.NotFound => ProblemMapping.NotFound(e.Message),
                RegistryErrorKind.Conflict => ProblemMapping.Conflict(e.Message),
                _ => ProblemMapping.BadRequest(e.Message),
            };
        }
    }
}
