using Portal.Contracts.Alerts;
using Portal.Server.Serving.Alerts;

namespace Portal.Server.Tests.Serving.Alerts;

public sealed class AlertConditionsTests
{
    private static readonly DateTimeOffset s_start = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid s_version = Guid.NewGuid();

    private readonly AlertConditions _conditions = new();

    [Fact]
    public void A_condition_that_holds_for_the_whole_window_fires_once_and_not_a_second_earlier()
    {
        var rule = Rule(AlertMetrics.P95Ms, ">", 20, windowSeconds: 60);

        for (var s = 0; s < 60; s++)
            Assert.Empty(Tick([rule], s, 25));
        var fired = Assert.Single(Tick([rule], 60, 31));
        Assert.Empty(Tick([rule], 61, 32));

        Assert.Equal(AlertTransitionKind.Fire, fired.Kind);
        Assert.Equal(("fashion", "production", s_version, 7), (fired.Model, fired.Alias, fired.VersionId, fired.VersionNumber));
        Assert.Equal((31.0, s_start), (fired.Value!.Value, fired.ConditionSince));
    }

    [Fact]
    public void A_break_in_the_condition_restarts_the_window()
    {
        var rule = Rule(AlertMetrics.ErrorRate, ">", 0.01, windowSeconds: 30);

        Tick([rule], 0, 0.05);
        Tick([rule], 20, 0.005);
        Assert.Empty(Tick([rule], 21, 0.05));
        Assert.Empty(Tick([rule], 50, 0.05));
        Assert.Equal(s_start.AddSeconds(21), Assert.Single(Tick([rule], 51, 0.05)).ConditionSince);
    }

    [Fact]
    public void A_firing_alert_resolves_when_its_condition_stops_holding()
    {
        var rule = Rule(AlertMetrics.PsiInput, ">", 0.2, windowSeconds: 0);
        var fired = Assert.Single(Tick([rule], 0, 0.35));

        var resolved = Assert.Single(Tick([rule], 1, 0.05));

        Assert.Equal((AlertTransitionKind.Resolve, fired.AlertId), (resolved.Kind, resolved.AlertId));
        Assert.Equal(0.05, resolved.Value);
        Assert.Contains("no longer > 0.2", resolved.Reason);
        Assert.Empty(Tick([rule], 2, 0.05));
        Assert.NotEqual(fired.AlertId, Assert.Single(Tick([rule], 3, 0.5)).AlertId);
    }

    [Fact]
    public void A_firing_alert_resolves_when_its_data_stops_coming()
    {
        var rule = Rule(AlertMetrics.P99Ms, ">=", 50, windowSeconds: 0);
        Assert.Single(Tick([rule], 0, 50));

        Assert.Empty(_conditions.Evaluate([rule], [], s_start.AddSeconds(15)));
        var resolved = Assert.Single(_conditions.Evaluate([rule], [], s_start.AddSeconds(16)));

        Assert.Equal(AlertTransitionKind.Resolve, resolved.Kind);
        Assert.Contains("no p99_ms value for 16 s", resolved.Reason);
        Assert.Equal(0, _conditions.Tracked);
    }

    [Fact]
    public void Deleting_disabling_or_changing_a_rule_resolves_what_it_fired()
    {
        var deleted = Rule(AlertMetrics.P95Ms, ">", 1, 0);
        var disabled = Rule(AlertMetrics.P95Ms, ">", 2, 0);
        var changed = Rule(AlertMetrics.P95Ms, ">", 3, 0);
        Assert.Equal(3, Tick([deleted, disabled, changed], 0, 10).Count);

        disabled.Enabled = false;
        changed.Revision = 2;
        var resolved = Tick([disabled, changed], 1, 10);

        Assert.All(resolved, r => Assert.Equal(AlertTransitionKind.Resolve, r.Kind));
        Assert.Equal(
            ["the rule was changed", "the rule was deleted", "the rule was disabled"],
            resolved.Select(r => r.Reason!).Order());
        // The changed rule starts afresh under its new terms and fires again.
        Assert.Equal(changed.Id, Assert.Single(Tick([disabled, changed], 2, 10)).Rule.Id);
    }

    [Fact]
    public void A_rule_watches_only_its_metric_and_its_deployments()
    {
        var onProduction = Rule(AlertMetrics.P95Ms, ">", 20, 0, model: "fashion", alias: "production");
        var onOtherModel = Rule(AlertMetrics.P95Ms, ">", 20, 0, model: "digits");
        var onRequests = Rule(AlertMetrics.RequestsPerSecond, "<", 1, 0);
        var everywhere = Rule(AlertMetrics.P95Ms, ">", 20, 0);

        var fired = Tick([onProduction, onOtherModel, onRequests, everywhere], 0, 25);
        var staging = _conditions.Evaluate([onProduction, onOtherModel, onRequests, everywhere],
            [new AlertObservation("fashion", "staging", Guid.NewGuid(), 8, AlertMetrics.P95Ms, 25, s_start)], s_start);

        Assert.Equal(new[] { onProduction.Id, everywhere.Id }.Order(), fired.Select(f => f.Rule.Id).Order());
        Assert.Equal(everywhere.Id, Assert.Single(staging).Rule.Id);
    }

    [Fact]
    public void An_alert_left_open_by_an_earlier_process_resolves_when_its_condition_no_longer_holds()
    {
        var rule = Rule(AlertMetrics.P95Ms, ">", 20, 60);
        var open = new OpenAlert(Guid.NewGuid(), rule.Id, rule.Revision, "fashion", "production", s_version, 7, s_start.AddMinutes(-5));
        _conditions.Adopt([open], s_start);

        Assert.Empty(Tick([rule], 1, 30));
        var resolved = Assert.Single(Tick([rule], 2, 10));

        Assert.Equal((AlertTransitionKind.Resolve, open.AlertId), (resolved.Kind, resolved.AlertId));
    }

    [Theory]
    [InlineData(">", 20.0, false)]
    [InlineData(">=", 20.0, true)]
    [InlineData("<", 20.0, false)]
    [InlineData("<=", 20.0, true)]
    [InlineData("<", 20.5, true)]
    public void Comparisons_read_as_written(string comparison, double threshold, bool holds) =>
        Assert.Equal(holds, AlertComparisons.Holds(comparison, 20.0, threshold));

    private List<AlertTransition> Tick(IReadOnlyList<AlertRule> rules, int second, double value) => [.. _conditions.Evaluate(rules,
        [new AlertObservation("fashion", "production", s_version, 7, rules.Select(r => r.Metric).Distinct().Count() == 1 ? rules[0].Metric : AlertMetrics.P95Ms, value, s_start.AddSeconds(second))],
        s_start.AddSeconds(second))];

    private static AlertRule Rule(string metric, string comparison, double threshold, int windowSeconds, string? model = null, string? alias = null) => new()
    {
        Name = $"{metric} {comparison} {threshold}",
        Metric = metric,
        Comparison = comparison,
        Threshold = threshold,
        WindowSeconds = windowSeconds,
        Model = model,
        Alias = alias,
        CreatedBy = "tests",
        UpdatedBy = "tests",
    };
}
