using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Portal.Server.Api.OpenApi;

public static class RequestExamples
{
    /// <summary>
    /// The example of the operation's request body, for each of its content types. Give an instance of the type the
    /// endpoint reads, so the example is serialised as the API reads it and follows the type when it changes; fields
    /// left null are left out, as a client would.
    /// </summary>
    public static TBuilder WithRequestExample<TBuilder>(this TBuilder builder, object example)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            var json = new JsonSerializerOptions(context.ApplicationServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions)
            {
                DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            };
            if (operation.RequestBody?.Content is not { Count: > 0 } contents)
                throw new InvalidOperationException($"{context.Description.RelativePath} has an example but no request body: declare it with Accepts.");
            foreach (var content in contents.Values) content.Example = JsonSerializer.SerializeToNode(example, example.GetType(), json);
            return Task.CompletedTask;
        });
}
