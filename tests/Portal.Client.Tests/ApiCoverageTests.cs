using System.Reflection;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Client.Live;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Client.Tests;

/// <summary>
/// The client cannot silently fall behind the server: every endpoint the server maps is either called by a named
/// client method (the reviewed map below) or deliberately left out (the commented lists below), and every method the
/// map names exists on a client that <see cref="PortalClient"/> exposes. A new endpoint fails this test until it has
/// a client method and a line here; a removed one fails it until its line goes.
/// </summary>
public sealed class ApiCoverageTests
{
    /// <summary>(HTTP method, route pattern as the server maps it) → the client method that calls it, as <c>Client.Method</c>.</summary>
    private static readonly Dictionary<string, string> s_calledBy = new(StringComparer.Ordinal)
    {
        ["GET /api/v1/auth/me"] = "UsersClient.Me",
        ["GET /api/v1/users"] = "UsersClient.List",
        ["POST /api/v1/users"] = "UsersClient.Create",
        ["PUT /api/v1/users/{id}/role"] = "UsersClient.ChangeRole",
        ["PUT /api/v1/users/{id}/access"] = "UsersClient.SetDisabled",
        ["GET /api/v1/api-keys"] = "ApiKeysClient.List",
        ["POST /api/v1/api-keys"] = "ApiKeysClient.Create",
        ["DELETE /api/v1/api-keys/{id:guid}"] = "ApiKeysClient.Revoke",
        ["GET /api/v1/audit"] = "AuditClient.List",
        ["GET /api/v1/audit/verify"] = "AuditClient.Verify",
        ["GET /api/v1/audit/checkpoints"] = "AuditClient.Checkpoints",

        ["GET /api/v1/datasets"] = "DatasetsClient.List",
        ["GET /api/v1/datasets/{id:guid}"] = "DatasetsClient.Get",
        ["POST /api/v1/datasets/idx"] = "DatasetsClient.ImportIdx",
        ["POST /api/v1/datasets/csv"] = "DatasetsClient.ImportCsv",
        ["POST /api/v1/datasets/text"] = "DatasetsClient.ImportText",
        ["GET /api/v1/datasets/{id:guid}/text-statistics"] = "DatasetsClient.TextStatistics",

        ["GET /api/v1/jobs"] = "JobsClient.List",
        ["GET /api/v1/jobs/{id:guid}"] = "JobsClient.Get",
        ["POST /api/v1/jobs/{id:guid}/cancel"] = "JobsClient.Cancel",
        ["POST /api/v1/jobs/{id:guid}/resume"] = "JobsClient.Resume",

        ["POST /api/v1/runs"] = "RunsClient.Create",
        ["GET /api/v1/runs"] = "RunsClient.List",
        ["GET /api/v1/runs/{id:guid}"] = "RunsClient.Get",
        ["GET /api/v1/runs/{id:guid}/metrics"] = "RunsClient.Metrics",
        ["GET /api/v1/runs/{id:guid}/steps"] = "RunsClient.Steps",
        ["GET /api/v1/runs/{id:guid}/artifacts/weights"] = "RunsClient.Weights",
        ["POST /api/v1/runs/{id:guid}/exports"] = "RunsClient.Export",
        ["GET /api/v1/runs/{id:guid}/artifacts/onnx"] = "RunsClient.Onnx",

        ["GET /api/v1/models"] = "ModelsClient.List",
        ["POST /api/v1/models"] = "ModelsClient.Create",
        ["GET /api/v1/models/{name}"] = "ModelsClient.Get",
        ["GET /api/v1/models/{name}/versions"] = "ModelsClient.ListVersions",
        ["POST /api/v1/models/{name}/versions"] = "ModelsClient.RegisterVersion",
        ["POST /api/v1/models/{name}/versions/import"] = "ModelsClient.StartImport",
        ["GET /api/v1/models/{name}/imports/{id:guid}"] = "ModelsClient.GetImport",
        ["GET /api/v1/models/{name}/versions/{number:int}"] = "ModelsClient.GetVersion",
        ["GET /api/v1/models/{name}/versions/{number:int}/artifacts/{kind}"] = "ModelsClient.DownloadArtifact",
        ["PUT /api/v1/models/{name}/versions/{number:int}/tags/{key}"] = "ModelsClient.SetTag",
        ["DELETE /api/v1/models/{name}/versions/{number:int}/tags/{key}"] = "ModelsClient.RemoveTag",
        ["GET /api/v1/models/{name}/aliases"] = "ModelsClient.Aliases",
        ["PUT /api/v1/models/{name}/aliases/{alias}"] = "ModelsClient.MoveAlias",
        ["GET /api/v1/models/{name}/aliases/{alias}/history"] = "ModelsClient.AliasHistory",
        ["GET /api/v1/models/{name}/policy"] = "ModelsClient.GetPolicy",
        ["PUT /api/v1/models/{name}/policy"] = "ModelsClient.SetPolicy",
        ["POST /api/v1/models/{name}/aliases/{alias}/rollback"] = "ModelsClient.Rollback",

        ["GET /api/v1/promotions"] = "PromotionsClient.List",
        ["GET /api/v1/promotions/{id:guid}"] = "PromotionsClient.Get",
        ["POST /api/v1/promotions"] = "PromotionsClient.Submit",
        ["POST /api/v1/promotions/{id:guid}/approve"] = "PromotionsClient.Approve",
        ["POST /api/v1/promotions/{id:guid}/deny"] = "PromotionsClient.Deny",
        ["POST /api/v1/promotions/{id:guid}/cancel"] = "PromotionsClient.Cancel",

        ["POST /api/v1/models/{name}/versions/{number:int}/evaluations"] = "EvaluationsClient.Request",
        ["GET /api/v1/models/{name}/versions/{number:int}/evaluations"] = "EvaluationsClient.List",
        ["GET /api/v1/evaluations/{id:guid}"] = "EvaluationsClient.Get",

        ["POST /api/v1/models/{name}/versions/{number:int}/compressions"] = "CompressionsClient.Request",
        ["GET /api/v1/models/{name}/compressions"] = "CompressionsClient.List",
        ["GET /api/v1/compressions/{id:guid}"] = "CompressionsClient.Get",

        ["GET /api/v1/deployments"] = "DeploymentsClient.List",
        ["GET /api/v1/deployments/{model}/{alias}"] = "DeploymentsClient.Get",
        ["PUT /api/v1/deployments/{model}/{alias}/batching"] = "DeploymentsClient.SetBatching",
        ["PUT /api/v1/deployments/{model}/{alias}/canary"] = "DeploymentsClient.SetCanary",
        ["DELETE /api/v1/deployments/{model}/{alias}/canary"] = "DeploymentsClient.RemoveCanary",

        ["GET /api/v1/alert-rules"] = "AlertRulesClient.List",
        ["GET /api/v1/alert-rules/{id:guid}"] = "AlertRulesClient.Get",
        ["POST /api/v1/alert-rules"] = "AlertRulesClient.Create",
        ["PUT /api/v1/alert-rules/{id:guid}"] = "AlertRulesClient.Replace",
        ["DELETE /api/v1/alert-rules/{id:guid}"] = "AlertRulesClient.Delete",
        ["GET /api/v1/alerts"] = "AlertsClient.List",
        ["GET /api/v1/alerts/{id:guid}"] = "AlertsClient.Get",

        ["GET /v2/health/live"] = "InferenceClient.IsLive",
        ["GET /v2/health/ready"] = "InferenceClient.IsReady",
        ["GET /v2"] = "InferenceClient.ServerMetadata",
        ["GET /v2/models/{name}"] = "InferenceClient.Metadata",
        ["GET /v2/models/{name}/versions/{version}"] = "InferenceClient.Metadata",
        ["GET /v2/models/{name}/ready"] = "InferenceClient.IsModelReady",
        ["GET /v2/models/{name}/versions/{version}/ready"] = "InferenceClient.IsModelReady",
        ["POST /v2/models/{name}/infer"] = "InferenceClient.Infer",
        ["POST /v2/models/{name}/versions/{version}/infer"] = "InferenceClient.Infer",

        // The live hub: SignalR's negotiation and connection, which the official client makes for LiveClient.
        ["* /hubs/live/negotiate"] = "LiveClient.Watch",
        ["* /hubs/live"] = "LiveClient.Watch",
    };

    /// <summary>Endpoints the client deliberately does not call, each with the reason.</summary>
    private static readonly Dictionary<string, string> s_leftOut = new(StringComparer.Ordinal)
    {
        // A browser's cookie session: the client authenticates every call with an API key instead, so it has no
        // session to open or close (a user with only a password creates a key on the API keys page).
        ["POST /api/v1/auth/sign-in"] = "browser session",
        ["POST /api/v1/auth/sign-out"] = "browser session",
        // Prometheus text for scrapers, not a call a script makes; the same figures are typed in DeploymentsClient.
        ["* /metrics"] = "scrapers",
        // The API's own description and its reference page: what a client is generated from, not what it calls.
        ["GET /openapi/{documentName}.json"] = "API description",
    };

    /// <summary>Prefixes of the API description's page and its assets (the Scalar reference).</summary>
    private const string ReferencePages = "/reference";

    [Fact]
    public void Every_endpoint_the_server_maps_is_called_by_a_client_method_or_deliberately_left_out()
    {
        using var portal = new PortalFactory();
        portal.Settings["Portal:RegisterBuiltinDatasets"] = "false";
        var mapped = portal.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => !IsUi(e))
            .SelectMany(e => Methods(e).Select(m => $"{m} {Pattern(e)}"))
            .Where(key => !key.Contains(' ' + ReferencePages, StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);

        var uncalled = mapped.Where(key => !s_calledBy.ContainsKey(key) && !s_leftOut.ContainsKey(key)).Order().ToList();
        var stale = s_calledBy.Keys.Concat(s_leftOut.Keys).Where(key => !mapped.Contains(key)).Order().ToList();

        Assert.True(uncalled.Count == 0, "The server maps endpoints the client has no method for (add one, then a line to the map):\n" + string.Join("\n", uncalled));
        Assert.True(stale.Count == 0, "The map names endpoints the server no longer maps:\n" + string.Join("\n", stale));
    }

    [Fact]
    public void Every_client_method_the_map_names_exists_on_a_client_the_portal_client_exposes()
    {
        var clients = typeof(PortalClient).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.PropertyType).Where(t => t.Namespace?.StartsWith("Portal.Client", StringComparison.Ordinal) == true)
            .ToDictionary(t => t.Name, StringComparer.Ordinal);
        Assert.Contains(nameof(LiveClient), clients.Keys);

        var missing = new List<string>();
        foreach (var (endpoint, name) in s_calledBy)
        {
            var (client, method) = (name[..name.IndexOf('.', StringComparison.Ordinal)], name[(name.IndexOf('.', StringComparison.Ordinal) + 1)..]);
            if (!clients.TryGetValue(client, out var type) || type.GetMethods(BindingFlags.Public | BindingFlags.Instance).All(m => m.Name != method))
                missing.Add($"{endpoint} → {name}");
        }

        Assert.True(missing.Count == 0, "The map names client methods that do not exist:\n" + string.Join("\n", missing));
    }

    /// <summary>The portal's pages, their circuit hub and static assets: the browser's, not an API's.</summary>
    private static bool IsUi(RouteEndpoint endpoint)
    {
        var path = (endpoint.RoutePattern.RawText ?? "").TrimStart('/');
        return endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata>() is not null
            || endpoint.Metadata.Any(m => m.GetType().Name == "StaticAssetDescriptor")
            || path.StartsWith("_blazor", StringComparison.Ordinal) || path.StartsWith("_framework", StringComparison.Ordinal)
            // MapStaticAssets' development-only fallback for files added after the build (tests run as Development).
            || path == "{**path:file}";
    }

    /// <summary>The endpoint's HTTP methods; <c>*</c> when it takes any (a hub's connection).</summary>
    private static IEnumerable<string> Methods(RouteEndpoint endpoint) =>
        endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods is { Count: > 0 } methods ? methods : ["*"];

    /// <summary>The route as mapped, without the trailing slash a group's "/" leaves.</summary>
    private static string Pattern(RouteEndpoint endpoint)
    {
        var text = "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/');
        return text.Length > 1 ? text.TrimEnd('/') : text;
    }
}
