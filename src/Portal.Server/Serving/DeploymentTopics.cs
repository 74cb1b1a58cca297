namespace Portal.Server.Serving;

/// <summary>Live bus topics of serving: <c>deployment:{model}/{alias}</c> carries <c>metrics</c>, <c>drift</c>, <c>alert</c> and <c>swap</c> events.</summary>
public static class DeploymentTopics
{
    public static string Deployment(string model, string alias) => $"deployment:{model}/{alias}";
}
