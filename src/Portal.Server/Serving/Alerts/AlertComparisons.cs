namespace Portal.Server.Serving.Alerts;

/// <summary>How a rule compares the metric with its threshold: <c>&gt;</c>, <c>&gt;=</c>, <c>&lt;</c> or <c>&lt;=</c>.</summary>
public static class AlertComparisons
{
    public static IReadOnlyList<string> All { get; } = [">", ">=", "<", "<="];

    public static bool IsKnown(string comparison) => All.Contains(comparison, StringComparer.Ordinal);

    public static bool Holds(string comparison, double value, double threshold) => comparison switch
    {
        ">" => value > threshold,
        ">=" => value >= threshold,
        "<" => value < threshold,
        "<=" => value <= threshold,
        _ => throw new ArgumentException($"'{comparison}' is not a comparison; use one of {string.Join(", ", All)}."),
    };
}
