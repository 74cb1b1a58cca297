using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Portal.Contracts;
using Portal.Contracts.Registry;
using Portal.Engine.Evaluation;
using Portal.Server.Api;
using Portal.Server.Api.OpenApi;
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
    public static RouteGroupBuilder MapModelsApi(this RouteGroupBuilder v1)
    {
        var maxUpload = ((IEndpointRouteBuilder)v1).ServiceProvider.GetRequiredService<IOptions<PortalOptions>>().Value.MaxUploadBytes;
        var viewer = PortalRoles.AtLeast(PortalRoles.Viewer);
        var contributor = PortalRoles.AtLeast(PortalRoles.Contributor);
        var models = v1.MapGroup("/models").WithTags("Models");

        models.MapGet("/", ListModels).RequireAuthorization(viewer)
            .WithSummary("List models")
            .WithDescription("Registered models in name order, each with its latest version and aliases. Paged: `offset`, and `limit` (default 50, at most 500).");
        models.MapPost("/", CreateModel).RequireAuthorization(contributor).ProducesProblem(400).ProducesProblem(409)
            .WithSummary("Create a model")
            .WithDescription("A named model with no versions yet. The name goes in URLs: 1 to 100 letters, digits, '-', '_' or '.', starting with a letter or digit, "
                + "unique regardless of case (409 otherwise). The description is optional, up to 2000 characters.")
            .WithRequestExample(new CreateModelRequest("fashion-mlp", "Fashion-MNIST classifier for the catalogue's image tagging."));
        models.MapGet("/{name}", GetModel).RequireAuthorization(viewer).ProducesProblem(404)
            .WithSummary("Get a model")
            .WithDescription("The model, its version count, latest version and current aliases.");

        models.MapGet("/{name}/versions", ListVersions).RequireAuthorization(viewer).ProducesProblem(404)
            .WithSummary("List a model's versions")
            .WithDescription("The model's versions, newest first, each with its source, evidence figures and aliases. Paged: `offset`, and `limit` (default 50, at most 500).");
        models.MapPost("/{name}/versions", RegisterVersion).RequireAuthorization(contributor).ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Register a version from a training run")
            .WithDescription("Makes the next version of the model from a succeeded run: its spec and weights, exported to ONNX. Evidence is measured in this request: "
                + "accuracy on held-out data (`evaluationDatasetId`; by default fashion-mnist-test for a run trained on fashion-mnist-train, none for a regression run; "
                + "never the run's own training set) and ONNX Runtime latency. 409 when the run has not succeeded.")
            .WithRequestExample(new RegisterVersionRequest(Guid.Parse("6f1c1d2e-8a4b-4c3d-9e2f-1a2b3c4d5e6f"), null));
        models.MapPost("/{name}/versions/import", ImportVersion).RequireAuthorization(contributor)
            .Accepts<ImportVersionForm>("multipart/form-data")
            .WithMetadata(new RequestSizeLimitAttribute(maxUpload))
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(413)
            .WithSummary("Import an ONNX file as a version")
            .WithDescription("Stores an ONNX file made elsewhere and queues the import job that makes it the model's next version: 202 with the import and its job "
                + "(follow it at GET /api/v1/jobs/{jobId} or the live topic `job:{jobId}`; the import names the version once the job succeeded). Sent as multipart/form-data: "
                + "the file in the field `file`; optionally `evaluationDatasetId`, a labelled dataset to measure accuracy on (its samples and classes must fit the file); "
                + "`classNames`, repeated, the names of the output classes (none for a model without classes); `dims`, a JSON object giving dynamic dimensions "
                + "a representative size by symbol or as `input.index` (e.g. {\"height\": 32, \"width\": 128}); `example`, an example input as an Open Inference Protocol request body whose shapes size the dynamic dimensions but the first (`dims` win); `integerBound`, integer inputs are drawn from [0, bound) "
                + $"(default {RepresentativeSizes.DefaultIntegerBound}). Without labels the evidence is latency at batch 1, throughput at batch 64 when the first dimension is a dynamic batch, and size; "
                + $"unsized dynamic dimensions get {RepresentativeSizes.DefaultDimension}. A figure that cannot be measured is recorded as not measured with the reason, and the version is stored all the same. "
                + "400 when ONNX Runtime cannot load the file or a field does not fit it; 409 when the same bytes are already a version of the model (or being imported); "
                + "413 above Portal:MaxUploadBytes.")
            .WithRequestExample(new { file = "text-detector.onnx", dims = "{\"height\": 32, \"width\": 128}", integerBound = 1000, classNames = new[] { "negative", "positive" } });
        models.MapGet("/{name}/imports/{id:guid}", GetImport).RequireAuthorization(viewer).ProducesProblem(404)
            .WithSummary("Get an import")
            .WithDescription("An import of an ONNX file: the stored upload, its job's state, progress and error, and once the job succeeded the version it became.");
        models.MapGet("/{name}/versions/{number:int}", GetVersion).RequireAuthorization(viewer).ProducesProblem(404)
            .WithSummary("Get a version")
            .WithDescription("The version with its lineage (the run, or the parent and recipe of a compression), measured evidence, artifacts, tags and aliases.");
        models.MapGet("/{name}/versions/{number:int}/artifacts/{kind}", DownloadArtifact).RequireAuthorization(viewer).ProducesProblem(404)
            .Produces<Stream>(StatusCodes.Status200OK, VersionArtifacts.OnnxMediaType, VersionArtifacts.SafetensorsMediaType)
            .WithSummary("Download a version's file")
            .WithDescription("`kind` is `onnx` (the served model, application/onnx) or `weights` (safetensors, application/safetensors; versions made from runs only). "
                + "The ETag is the file's SHA-256.");
        models.MapPut("/{name}/versions/{number:int}/tags/{key}", SetTag).RequireAuthorization(contributor).ProducesProblem(400).ProducesProblem(404)
            .WithSummary("Set a tag on a version")
            .WithDescription("Creates or replaces the tag `key` (1 to 100 letters, digits, '-', '_', '.' or ':', starting with a letter or digit) with `value` "
                + "(up to 500 characters, may be empty).")
            .WithRequestExample(new SetTagRequest("reviewed by the data team"));
        models.MapDelete("/{name}/versions/{number:int}/tags/{key}", RemoveTag).RequireAuthorization(contributor).ProducesProblem(404)
            .WithSummary("Remove a tag from a version")
            .WithDescription("Deletes the tag `key`; 404 when the version has no such tag.");

        models.MapGet("/{name}/aliases", ListAliases).RequireAuthorization(viewer).ProducesProblem(404)
            .WithSummary("List a model's aliases")
            .WithDescription("Each alias with the version it points at, since when, who moved it there, and whether the model's promotion policy protects it.");
        models.MapPut("/{name}/aliases/{alias}", MoveAlias).RequireAuthorization(contributor).ProducesProblem(400).ProducesProblem(404).ProducesProblem(409)
            .WithSummary("Move an unprotected alias")
            .WithDescription("Points `alias` (1 to 64 lowercase letters, digits or '-') at `version`, creating the alias if needed; serving follows. "
                + "An alias the model's policy protects (production by default) moves only through an approved promotion request: 409.")
            .WithRequestExample(new MoveAliasRequest(2));
        models.MapGet("/{name}/aliases/{alias}/history", AliasHistory).RequireAuthorization(viewer).ProducesProblem(400).ProducesProblem(404)
            .WithSummary("An alias's history")
            .WithDescription("Which version held the alias, from when until when, who moved it and why (direct move, promotion or rollback), newest first. "
                + "Paged: `offset`, and `limit` (default 50, at most 500).");
        return v1;
    }

    private static async Task<Ok<Page<ModelView>>> ListModels([AsParameters] PageRequest page, ModelRegistry registry, CancellationToken ct) =>
        TypedResults.Ok(await registry.ListModels(page, ct));

    private static async Task<Created<ModelView>> CreateModel(CreateModelRequest request, ModelRegistry registry, ClaimsPrincipal user, CancellationToken ct)
    {
        var model = await registry.CreateModel(request.Name, request.Description, new CurrentUser(user).Name, ct);
        return TypedResults.Created($"/api/v1/models/{Uri.EscapeDataString(model.Name)}", model);
    }

    private static async Task<Ok<ModelView>> GetModel(string name, ModelRegistry registry, CancellationToken ct) =>
        TypedResults.Ok(await registry.GetModel(name, ct));

    private static async Task<Ok<Page<VersionSummary>>> ListVersions(string name, [AsParameters] PageRequest page, ModelRegistry registry, CancellationToken ct) =>
        TypedResults.Ok(await registry.ListVersions(name, page, ct));

    private static async Task<Created<VersionView>> RegisterVersion(
        string name, RegisterVersionRequest request, VersionRegistration registration, ClaimsPrincipal user, CancellationToken ct)
    {
        if (request.RunId is not { } runId) throw Refusal.Invalid("A version is registered from a training run: give runId.");
        return Created(await registration.FromRun(name, runId, request.EvaluationDatasetId, new CurrentUser(user).Name, ct));
    }

    /// <summary>
    /// multipart/form-data: <c>file</c> (the .onnx) and optionally <c>evaluationDatasetId</c>, <c>classNames</c>,
    /// <c>dims</c> and <c>integerBound</c>. The form is read here, not bound, so a missing field or an oversized
    /// upload gets a message rather than a bare 400.
    /// </summary>
    private static async Task<Accepted<ImportView>> ImportVersion(
        string name, HttpRequest request, VersionImports imports, IOptions<PortalOptions> options, ClaimsPrincipal user, CancellationToken ct)
    {
        var limit = options.Value.MaxUploadBytes;
        if (request.ContentLength > limit) throw new ArtifactTooLargeException(limit);
        if (!request.HasFormContentType)
            throw Refusal.Invalid("Send the ONNX file as multipart/form-data in the field 'file' (and optionally 'evaluationDatasetId', 'classNames', 'dims', 'example' and 'integerBound').");
        var form = await request.ReadFormAsync(ct);
        var file = form.Files.GetFile("file") ?? throw Refusal.Invalid("The form has no field 'file' holding the ONNX file.");
        var settings = await ImportVersionForm.Settings(form, ct);
        using var content = new MemoryStream((int)Math.Min(file.Length, int.MaxValue));
        await file.CopyToAsync(content, ct);
        var fileName = Path.GetFileName(file.FileName) is { Length: > 0 } given ? given : "import.onnx";
        var import = await imports.Request(name, content.ToArray(), fileName, settings, new CurrentUser(user).Name, ct);
        return TypedResults.Accepted($"/api/v1/models/{Uri.EscapeDataString(import.Model)}/imports/{import.Id}", import);
    }

    private static async Task<Ok<ImportView>> GetImport(string name, Guid id, VersionImports imports, CancellationToken ct) =>
        TypedResults.Ok(await imports.Get(name, id, ct));

    private static async Task<Ok<VersionView>> GetVersion(string name, int number, ModelRegistry registry, CancellationToken ct) =>
        TypedResults.Ok(await registry.GetVersion(name, number, ct));

    private static async Task<FileContentHttpResult> DownloadArtifact(string name, int number, string kind, ModelRegistry registry, CancellationToken ct)
    {
        var artifact = await registry.ReadArtifact(name, number, kind, ct);
        return TypedResults.File(artifact.Content, artifact.MediaType, artifact.FileName, entityTag: new EntityTagHeaderValue($"\"{artifact.Sha256}\""));
    }

    private static async Task<Ok<TagView>> SetTag(
        string name, int number, string key, SetTagRequest request, ModelRegistry registry, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await registry.SetTag(name, number, key, request.Value, new CurrentUser(user).Name, ct));

    private static async Task<NoContent> RemoveTag(string name, int number, string key, ModelRegistry registry, ClaimsPrincipal user, CancellationToken ct)
    {
        await registry.RemoveTag(name, number, key, new CurrentUser(user).Name, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<AliasView>>> ListAliases(string name, AliasRegistry aliases, CancellationToken ct) =>
        TypedResults.Ok(await aliases.List(name, ct));

    private static async Task<Ok<AliasView>> MoveAlias(
        string name, string alias, MoveAliasRequest request, AliasRegistry aliases, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await aliases.MoveDirectly(name, alias, request.Version, new CurrentUser(user).Name, ct));

    private static async Task<Ok<Page<AliasStretchView>>> AliasHistory(
        string name, string alias, [AsParameters] PageRequest page, AliasRegistry aliases, CancellationToken ct) =>
        TypedResults.Ok(await aliases.History(name, alias, page, ct));

    private static Created<VersionView> Created(VersionView version) =>
        TypedResults.Created($"/api/v1/models/{Uri.EscapeDataString(version.Model)}/versions/{version.Number}", version);
}
