using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Portal.Server.Auth;

namespace Portal.Server.Serving;

/// <summary>
/// Refusals under <c>/v2</c> in the Open Inference Protocol's shape, <c>{"error": "…"}</c>: 401 with why the key did
/// not authenticate, 403 when its role falls short. Everywhere else the default (problem details, or the sign-in page).
/// </summary>
public sealed class ProtocolAuthorizationResults : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Succeeded || !context.Request.Path.StartsWithSegments(InferenceProtocolApi.Prefix))
        {
            await _default.HandleAsync(next, context, policy, result);
            return;
        }
        if (result.Forbidden)
        {
            await InferenceProtocolApi.WriteError(context, StatusCodes.Status403Forbidden, "Your role does not allow this; the Open Inference Protocol needs a Viewer or higher.");
            return;
        }
        // The handler remembers its result for the request, so asking again costs nothing; only a failure says why.
        var failure = (await context.AuthenticateAsync()).Failure?.Message;
        context.Response.Headers.WWWAuthenticate = "Bearer";
        await InferenceProtocolApi.WriteError(context, StatusCodes.Status401Unauthorized,
            failure ?? $"An API key is required: send it as {ApiKeyAuthenticationHandler.HeaderName}: ptl_… or Authorization: Bearer ptl_….");
    }
}
