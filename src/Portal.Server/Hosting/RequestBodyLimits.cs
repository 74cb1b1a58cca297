using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Portal.Server.Hosting;

/// <summary>
/// The request body limits and the settings that raise them: JSON and other small bodies up to
/// <see cref="PortalOptions.MaxJsonBodyBytes"/>; uploads (the endpoints that carry a <see cref="RequestSizeLimitAttribute"/>,
/// sized from <see cref="PortalOptions.MaxUploadBytes"/>) up to theirs. A 413 names the setting.
/// </summary>
public static class RequestBodyLimits
{
    public const string JsonSetting = PortalOptions.Section + ":" + nameof(PortalOptions.MaxJsonBodyBytes);
    public const string UploadSetting = PortalOptions.Section + ":" + nameof(PortalOptions.MaxUploadBytes);

    public const string TooLargeTitle = "The request body is too large";

    /// <summary>
    /// Caps every request body not already capped by its endpoint (uploads set their own larger limit), and gives a
    /// bare 413 (minimal APIs' answer when a bound body passes the limit) a detail naming the setting.
    /// </summary>
    public static IApplicationBuilder UseJsonBodyLimit(this IApplicationBuilder app, long limit) => app.Use(async (context, next) =>
    {
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        var capped = feature is { IsReadOnly: false } && context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is null;
        if (capped) feature!.MaxRequestBodySize = limit;
        await next(context);
        // Endpoints with limits of their own answer their 413s themselves (/v2 in the protocol's shape).
        if (capped && context.Response is { StatusCode: StatusCodes.Status413PayloadTooLarge, HasStarted: false, ContentType: null })
        {
            await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = { Status = StatusCodes.Status413PayloadTooLarge, Title = TooLargeTitle, Detail = TooLarge(context, context.GetEndpoint()) },
            });
        }
    });

    /// <summary>Why a body was refused as too large, with the limit and the setting (and its environment variable) that raises it.</summary>
    public static string TooLarge(HttpContext context, Endpoint? endpoint)
    {
        var setting = endpoint?.Metadata.GetMetadata<RequestSizeLimitAttribute>() is null ? JsonSetting : UploadSetting;
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        var over = limit is { } bytes ? $"the limit of {bytes} bytes" : "its limit";
        return $"The request body is over {over}; {Raises(setting)}.";
    }

    /// <summary>An upload refused by the artifact store, with the setting that raises its limit.</summary>
    public static string UploadTooLarge(string refusal) => $"{refusal} {char.ToUpperInvariant(Raises(UploadSetting)[0])}{Raises(UploadSetting)[1..]}.";

    private static string Raises(string setting) => $"the setting {setting} (environment {setting.Replace(":", "__", StringComparison.Ordinal)}) raises it";

    /// <summary>The endpoint that refused the body, from the exception handler's view of the request.</summary>
    public static Endpoint? FailedEndpoint(HttpContext context) => context.Features.Get<IExceptionHandlerFeature>()?.Endpoint;
}
