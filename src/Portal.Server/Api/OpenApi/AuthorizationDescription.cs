using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Server.Api.OpenApi;

/// <summary>
/// Who may call an operation, read from the endpoint's own authorisation metadata so the document cannot drift
/// from it: the 401 and 403 answers, the latter naming the role the operation takes.
/// </summary>
internal sealed class AuthorizationDescription : IOpenApiOperationTransformer
{
    private const string RolePolicyPrefix = "AtLeast";

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAllowAnonymous>().Any()) return Task.CompletedTask;
        var roles = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>()
            .Where(p => p.StartsWith(RolePolicyPrefix, StringComparison.Ordinal)).Select(p => p[RolePolicyPrefix.Length..]).Distinct().ToList();
        operation.Responses ??= [];
        operation.Responses.TryAdd("401", new OpenApiResponse
        {
            Description = "Not signed in, or the API key is unknown, expired or revoked: send the session cookie from POST /api/v1/auth/sign-in, or an API key in the X-Api-Key header.",
        });
        if (roles.Count > 0)
            operation.Responses.TryAdd("403", new OpenApiResponse { Description = $"Needs the {string.Join(" and ", roles)} role or a higher one." });
        return Task.CompletedTask;
    }
}
