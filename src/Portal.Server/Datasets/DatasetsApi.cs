using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Portal.Contracts;
using Portal.Contracts.Datasets;
using Portal.Server.Api;
using Portal.Server.Auth;
using Portal.Server.Hosting;

namespace Portal.Server.Datasets;

/// <summary>/api/v1/datasets: Viewer reads; Contributor uploads (IDX, CSV, text) (multipart, streamed, up to Portal:MaxUploadBytes).</summary>
public static class DatasetsApi
{
    /// <summary>Room for the multipart framing and text fields around the files, which may hold MaxUploadBytes together.</summary>
    private const long FramingAllowance = 1024 * 1024;

    public static RouteGroupBuilder MapDatasetsApi(this RouteGroupBuilder v1)
    {
        var limit = ((IEndpointRouteBuilder)v1).ServiceProvider.GetRequiredService<IOptions<PortalOptions>>().Value.MaxUploadBytes;
        var group = v1.MapGroup("/datasets").WithTags("Datasets");
        group.MapGet("/", List).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("List datasets")
            .WithDescription("Datasets in name order: each one's format (idx or csv), sample shape, row count, class names in label order, "
                + "artifacts, and for a CSV the options its import used. Paged: `offset`, and `limit` (default 50, at most 500).");
        group.MapGet("/{id:guid}", Get).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("Get a dataset")
            .WithDescription("One dataset: its format, sample shape, row count, class names in label order (label i is the i-th name), "
                + "artifacts, who uploaded it and when, and for a CSV the options its import used.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        Upload(group.MapPost("/idx", UploadIdx), limit).DescribeIdxUpload();
        Upload(group.MapPost("/csv", UploadCsv), limit).DescribeCsvUpload();
        Upload(group.MapPost("/text", UploadText), limit).DescribeTextUpload();
        group.MapGet("/{id:guid}/text-statistics", TextStatistics).RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer))
            .WithSummary("Get a text dataset's statistics")
            .WithDescription("A text dataset through its tokenizer: token lengths per text (percentiles and a histogram, before any truncation), "
                + "the share of tokens and of distinct words the vocabulary covers (for a test set whose tokenizer came from its training set, "
                + "the coverage of held-out text), and the class balance. Refused for a dataset that is not text.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return v1;
    }

    /// <summary>What every upload endpoint shares: Contributor, streamed multipart up to the limit, and its refusals.</summary>
    private static RouteHandlerBuilder Upload(RouteHandlerBuilder endpoint, long limit) => endpoint
        .RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Contributor))
        .WithMetadata(new RequestSizeLimitAttribute(limit + FramingAllowance))
        .Accepts<Stream>("multipart/form-data")
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status409Conflict)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge);

    private static async Task<Ok<Page<DatasetView>>> List([AsParameters] PageRequest page, DatasetCatalog catalog, CancellationToken ct)
    {
        var found = await catalog.List(page, ct);
        return TypedResults.Ok(new Page<DatasetView>([.. found.Items.Select(DatasetViews.View)], found.Offset, found.Limit, found.Total));
    }

    private static async Task<Ok<DatasetView>> Get(Guid id, DatasetCatalog catalog, CancellationToken ct) =>
        TypedResults.Ok(DatasetViews.View(await catalog.Get(id, ct)));

    private static async Task<Created<DatasetView>> UploadIdx(HttpRequest request, ClaimsPrincipal user, DatasetImporter importer, CancellationToken ct) =>
        Created(await importer.ImportIdx(request.ContentType, request.Body, new CurrentUser(user).Name, ct));

    private static async Task<Created<DatasetView>> UploadCsv(HttpRequest request, ClaimsPrincipal user, DatasetImporter importer, CancellationToken ct) =>
        Created(await importer.ImportCsv(request.ContentType, request.Body, new CurrentUser(user).Name, ct));

    private static async Task<Created<DatasetView>> UploadText(HttpRequest request, ClaimsPrincipal user, DatasetImporter importer, CancellationToken ct) =>
        Created(await importer.ImportText(request.ContentType, request.Body, new CurrentUser(user).Name, ct));

    private static async Task<Ok<TextStatisticsView>> TextStatistics(Guid id, DatasetPreview preview, CancellationToken ct) =>
        TypedResults.Ok(await preview.TextStatistics(id, ct));

    private static Created<DatasetView> Created(DatasetRecord d) => TypedResults.Created($"/api/v1/datasets/{d.Id}", DatasetViews.View(d));
}
