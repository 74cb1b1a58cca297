using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Server.Artifacts;

namespace Portal.Server.Api;

/// <summary>
/// Turns the exceptions that mean "bad request" into RFC 9457 problem details with the exception's message,
/// so an endpoint can let the engine's validation speak for itself. Anything else is a 500 without details.
/// </summary>
public static class ProblemMapping
{
    public static ProblemHttpResult BadRequest(string detail, string title = "The request is invalid") =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: title);

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");

    public static IApplicationBuilder UsePortalProblems(this IApplicationBuilder app) => app.UseExceptionHandler(handler => handler.Run(async context =>
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var (status, title) = error switch
        {
            ModelSpecException or DatasetFormatException or ArgumentException or FormatException or InvalidDataException
                or System.Text.Json.JsonException => (StatusCodes.Status400BadRequest, "The request is invalid"),
            BadHttpRequestException bad => (bad.StatusCode, "The request is invalid"),
            ArtifactTooLargeException => (StatusCodes.Status413PayloadTooLarge, "The upload is too large"),
            DbUpdateConcurrencyException => (StatusCodes.Status409Conflict, "Someone else changed this first"),
            _ => (StatusCodes.Status500InternalServerError, "The server failed"),
        };
        var detail = status == StatusCodes.Status500InternalServerError ? null : error switch
        {
            System.Text.Json.JsonException json => JsonErrors.Describe(json),
            BadHttpRequestException bad => JsonErrors.Describe(bad),
            _ => error?.Message,
        };
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        context.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
            Exception = error,
        });
    }));
}
