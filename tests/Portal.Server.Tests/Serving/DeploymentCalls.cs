using Portal.Contracts.Serving;
using Portal.Server.Serving;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Serving;

internal static class DeploymentCalls
{
    public static Task<DeploymentView> Deployment(this HttpClient http, string model, string alias = "production") =>
        http.GetJson<DeploymentView>($"/api/v1/deployments/{model}/{alias}");

    public static Task<HttpResponseMessage> PutBatching(this HttpClient http, string model, object settings, string alias = "production") =>
        http.PutJson($"/api/v1/deployments/{model}/{alias}/batching", settings);

    public static Task<HttpResponseMessage> PutCanary(this HttpClient http, string model, int version, double percent, string alias = "production") =>
        http.PutJson($"/api/v1/deployments/{model}/{alias}/canary", new { version, percent });
}
