using Portal.Server.Components.Charts;

namespace Portal.Server.Training;

/// <summary>Overlays one stored per-epoch figure of several runs: one series per run over the union of their epochs.</summary>
public static class RunComparison
{
    public static CurveData Overlay(IReadOnlyList<(string Run, IReadOnlyList<RunEpochMetric> Epochs)> runs, Func<RunEpochMetric, double?> figure)
    {
        if (runs.Count == 0) throw new ArgumentException("Choose at least one run to compare.", nameof(runs));
        // Two runs may share a name; the series names must stay apart.
        var names = runs.Select((r, i) => runs.Take(i).Any(o => o.Run == r.Run) ? $"{r.Run} ({i + 1})" : r.Run).ToArray();
        var data = new CurveData(names);
        var byRun = runs.Select(r => r.Epochs.ToDictionary(e => e.Epoch)).ToList();
        foreach (var epoch in byRun.SelectMany(r => r.Keys).Distinct().Order())
            data.Add(epoch, [.. byRun.Select(r => r.TryGetValue(epoch, out var m) ? figure(m) : null)]);
        return data;
    }
}
