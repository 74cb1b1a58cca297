using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Server.Artifacts;
using Portal.Server.Hosting;
using Portal.Server.Persistence;

namespace Portal.Server.Api;

/// <summary>
/// Turns a <see cref="Refusal"/>, and the exceptions that mean "bad request", into RFC 9457 problem details with the
/// exception's message: the one place where the API answers a refused request, and where an endpoint lets the
/// engine's validation speak for itself. Storage that refuses writes (a read-only database, a full data volume) is
/// a 503 naming the cause. Anything else is a 500 without details.
/// </summary>
public static class ProblemMapping
{
    public const string DatabaseReadOnly = "The database is read-only: the portal cannot save changes until it is writable again.";
    public const string NoSpaceLeft = "No space is left on the data volume: the portal cannot save changes until space is freed.";

    // SQLite's primary result codes (the low byte of an extended code), PostgreSQL's SQLSTATEs, and errno on Linux.
    private const int SqliteReadOnly = 8;
    private const int SqliteFull = 13;
    private const string PostgresReadOnlyTransaction = "25006";
    private const string PostgresDiskFull = "53100";
    private const int NoSpaceErrno = 28;
    private const int WindowsDiskFull = unchecked((int)0x80070070);
    private const int WindowsHandleDiskFull = unchecked((int)0x80070027);

    /// <summary>
    /// Why storage refused a write, in words for the caller (<see cref="DatabaseReadOnly"/> or <see cref="NoSpaceLeft"/>);
    /// null when <paramref name="error"/> (or an exception it wraps) is no such refusal.
    /// </summary>
    public static string? StorageFailure(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SqliteException sqlite when (sqlite.SqliteErrorCode & 0xFF) == SqliteReadOnly:
                case PostgresException { SqlState: PostgresReadOnlyTransaction }:
                    return DatabaseReadOnly;
                case SqliteException sqlite when (sqlite.SqliteErrorCode & 0xFF) == SqliteFull:
                case PostgresException { SqlState: PostgresDiskFull }:
                case IOException { HResult: NoSpaceErrno or WindowsDiskFull or WindowsHandleDiskFull }:
                    return NoSpaceLeft;
            }
        }
        return null;
    }

    public static IApplicationBuilder UsePortalProblems(this IApplicationBuilder app) => app.UseExceptionHandler(new ExceptionHandlerOptions
    {
        ExceptionHandler = WriteProblem,
        // A refusal is the request's fault and is answered in full; it is no server error to log.
        SuppressDiagnosticsCallback = suppress => suppress.Exception is Refusal,
    });

    private static async Task WriteProblem(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        // A refusal answers for itself, whatever it wraps.
        var storageFailure = error is Refusal ? null : StorageFailure(error);
        if (storageFailure is not null) context.RequestServices.GetRequiredService<StorageHealth>().Failed(storageFailure);
        var (status, title) = error switch
        {
            _ when storageFailure is not null => (StatusCodes.Status503ServiceUnavailable, "Storage refuses writes"),
            Refusal refusal => Problem(refusal),
            ModelSpecException or DatasetFormatException or ArgumentException or FormatException or InvalidDataException
                or System.Text.Json.JsonException => (StatusCodes.Status400BadRequest, "The request is invalid"),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, RequestBodyLimits.TooLargeTitle),
            BadHttpRequestException bad => (bad.StatusCode, "The request is invalid"),
            ArtifactTooLargeException => (StatusCodes.Status413PayloadTooLarge, "The upload is too large"),
            DbUpdateConcurrencyException => (StatusCodes.Status409Conflict, "Someone else changed this first"),
            _ => (StatusCodes.Status500InternalServerError, "The server failed"),
        };
        var detail = status == StatusCodes.Status500InternalServerError ? null : storageFailure ?? error switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => RequestBodyLimits.TooLarge(context, RequestBodyLimits.FailedEndpoint(context)),
            ArtifactTooLargeException => RequestBodyLimits.UploadTooLarge(error.Message),
            System.Text.Json.JsonException json => JsonErrors.Describe(json),
            BadHttpRequestException bad => JsonErrors.Describe(bad),
            _ => error?.Message,
        };
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        // A client that accepts no JSON (a browser following a download link) still gets the problem, not a failed handler.
        if (!await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = error }))
            await TypedResults.Problem(problem).ExecuteAsync(context);
    }

    private static (int Status, string Title) Problem(Refusal refusal) => refusal.Kind switch
    {
        RefusalKind.NotFound => (StatusCodes.Status404NotFound, refusal.Title ?? "Not found"),
        RefusalKind.Conflict => (StatusCodes.Status409Conflict, refusal.Title ?? "Conflict"),
        RefusalKind.Forbidden => (StatusCodes.Status403Forbidden, refusal.Title ?? "Forbidden"),
        _ => (StatusCodes.Status400BadRequest, refusal.Title ?? "The request is invalid"),
    };
}
