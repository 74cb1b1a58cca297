using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Portal.Server.Auth;
using Portal.Server.Serving;

namespace Portal.Server.Components.TryIt;

/// <summary>
/// Runs a panel's request through POST /v2's own handler (<see cref="InferenceProtocolApi"/>), in process: the same
/// body limit, parsing, checks, routing, batching, inference, metrics and answer as a client's request, so the panel
/// cannot drift from what /v2 does. The signed-in user is held to the policy the endpoint requires before it runs.
/// </summary>
public sealed class TryItRunner(IServiceScopeFactory scopes, IAuthorizationService authorization)
{
    private static readonly string s_policy = PortalRoles.AtLeast(PortalRoles.Viewer);

    public async Task<TryItAnswer> Run(TryItTarget target, byte[] body, CurrentUser user, CancellationToken ct)
    {
        if (!(await authorization.AuthorizeAsync(user.Principal, s_policy)).Succeeded)
            return TryItAnswer.Failed($"Inference needs the {PortalRoles.Viewer} role at least; you are {user.Role}.");
        await using var scope = scopes.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider, User = user.Principal, RequestAborted = ct };
        var request = context.Request;
        request.Method = HttpMethods.Post;
        request.Path = target.Version is { } number
            ? $"{InferenceProtocolApi.Prefix}/models/{target.Model}/versions/{number}/infer"
            : $"{InferenceProtocolApi.Prefix}/models/{target.Model}/infer";
        if (target.Alias is { } alias) request.QueryString = QueryString.Create("alias", alias);
        request.ContentType = "application/json";
        request.ContentLength = body.Length;
        request.Body = new MemoryStream(body, writable: false);
        using var response = new MemoryStream();
        context.Response.Body = response;
        await InferenceProtocolApi.Infer(context, target.Model, target.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await context.Response.BodyWriter.FlushAsync(ct);
        var json = response.GetBuffer().AsSpan(0, (int)response.Length);
        if (context.Response.StatusCode != StatusCodes.Status200OK) return TryItAnswer.Failed(ErrorOf(context.Response.StatusCode, json));
        // A binary answer's JSON part is as long as its header says.
        if (context.Response.Headers.TryGetValue(ProtocolBody.HeaderLength, out var length)) json = json[..int.Parse(length!, System.Globalization.CultureInfo.InvariantCulture)];
        return TryItAnswer.Read(json, target.Classifier);
    }

    /// <summary>The protocol's <c>error</c>, or the status and the start of the body when an answer is not in that shape.</summary>
    private static string ErrorOf(int status, ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                return error.GetString()!;
        }
        catch (JsonException)
        {
        }
        var text = System.Text.Encoding.UTF8.GetString(body[..Math.Min(body.Length, 300)]);
        return text.Length == 0 ? $"HTTP {status}" : $"HTTP {status}: {text}";
    }
}
