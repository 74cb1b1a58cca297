using Microsoft.AspNetCore.OpenApi;

namespace Portal.Server.Api.OpenApi;

/// <summary>
/// What the generated OpenAPI document cannot infer from the endpoints alone. Each endpoint's summary, description,
/// request example and form fields are declared next to its mapping, in its feature's *Api.cs.
/// </summary>
public static class OpenApiSetup
{
    public static IServiceCollection AddOpenApiDescriptions(this IServiceCollection services) =>
        services.ConfigureAll<OpenApiOptions>(options =>
        {
            options.AddSchemaTransformer<JsonElementSchemas>();
            options.AddOperationTransformer<AuthorizationDescription>();
        });
}
