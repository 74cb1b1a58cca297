using Portal.Server.Registry;
using Portal.Server.Serving;

namespace Portal.Server.Components.TryIt;

/// <summary>
/// Finds what a panel can run. A version is tried where a deployment serves it (as an alias's holder or canary),
/// exactly as <c>/v2/models/{model}/versions/{version}/infer</c> reaches it; a version no alias serves is not loaded
/// for the panel, and <see cref="NotServed"/> says how to serve it. What the target says of the version (signature,
/// classifier, text input) is the served session's, as /v2's metadata gives it.
/// </summary>
public sealed class TryItTargets(DeploymentSet deployments)
{
    /// <summary>The served version <paramref name="number"/> of <paramref name="model"/>, or null when no alias serves it.</summary>
    public TryItTarget? ForVersion(string model, int number)
    {
        var roles = new List<string>();
        ServedVersion? served = null;
        foreach (var deployment in deployments.OfModel(model).OrderBy(d => d.Alias, StringComparer.Ordinal))
        {
            if (deployment.Acquire(number) is not { } found) continue;
            roles.Add(found.IsCanary ? $"the canary of {deployment.Alias}" : deployment.Alias);
            if (served is null) served = found;
            else found.Release();
        }
        if (served is null) return null;
        try
        {
            return Target(served, null, $"v{number} is served as {string.Join(", ", roles)}");
        }
        finally
        {
            served.Release();
        }
    }

    /// <summary>The version <paramref name="alias"/> holds now, reached through the alias (a canary takes its share), or null while nothing is loaded.</summary>
    public TryItTarget? ForAlias(string model, string alias)
    {
        var deployment = deployments.Find(model, alias);
        var routing = deployment?.Current;
        if (routing?.Primary is not { } holder || deployment!.Acquire(holder.Number) is not { } served) return null;
        try
        {
            var text = routing.Canary is { } canary
                ? $"{model}/{alias} serves v{holder.Number}, and v{canary.Number} for {routing.CanaryPercent:0.#} % of requests"
                : $"{model}/{alias} serves v{holder.Number}";
            return Target(served, alias, text);
        }
        finally
        {
            served.Release();
        }
    }

    public static string NotServed(string model, int number) =>
        $"v{number} is not served: no alias of {model} holds it, so /v2 cannot run it. Promote it to an alias (a canary will do) to try it here.";

    private static TryItTarget Target(ServedVersion served, string? alias, string text) =>
        new(served.Model, alias is null ? served.Number : null, alias, VersionSignature.Of(served.Inputs, served.Outputs),
            served.Classifier is { } classifier ? new TryItClassifier(classifier.Name, served.ClassNames.Count) : null, served.Text is not null, text);
}
