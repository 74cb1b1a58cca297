using Bunit;
using Portal.Contracts.Alerts;
using Portal.Contracts.Serving;
using Portal.Server.Components.Charts;
using Portal.Server.Live;
using Portal.Server.Serving;
using Portal.Server.Serving.Alerts;
using Portal.Server.Serving.Drift;
using Portal.Ui.Tests.Components;

namespace Portal.Ui.Tests.Serving;

public sealed class DeploymentCurvesTests : ComponentContext
{
    private const string Topic = "deployment:fashion/production";
    private static readonly DateTimeOffset s_start = new(2026, 11, 22, 20, 0, 0, TimeSpan.Zero);
    private static readonly Guid s_holder = Guid.NewGuid();
    private static readonly Guid s_canary = Guid.NewGuid();
    private long _sequence;

    private LiveEvent Metrics(double seconds, bool withCanary) => new(Topic, ++_sequence, s_start.AddSeconds(seconds), "metrics",
        new DeploymentMetrics("fashion", "production", s_start.AddSeconds(seconds), 1,
        [
            new VersionWindowMetrics(s_holder, 3, false, 90, 0, 0, 90, 1, 2, 3, 4),
            .. withCanary ? [new VersionWindowMetrics(s_canary, 4, true, 10, 0, 0, 10, 1, 2, 3, 1)] : Array.Empty<VersionWindowMetrics>(),
        ]));

    private LiveEvent Drift(double seconds, params VersionDrift[] versions) => new(Topic, ++_sequence, s_start.AddSeconds(seconds), DriftPublisher.EventType,
        new DeploymentDrift("fashion", "production", s_start.AddSeconds(seconds), 60, versions));

    private static VersionDrift Ok(Guid id, int number, double input, double classes) =>
        new(id, number, DriftStatus.Ok, null, 1_000, input, input * 3, 17, classes);

    private static VersionDrift Collecting(Guid id, int number) =>
        new(id, number, DriftStatus.Collecting, "120 of 200 samples", 120, null, null, null, null);

    private static AlertRuleView Rule(string name, string metric, double threshold, string? model = "fashion", string? alias = null, bool enabled = true) =>
        new(Guid.NewGuid(), name, metric, ">", threshold, 30, model, alias, enabled, 1, "ann", s_start, "ann", s_start);

    [Fact]
    public void Drift_draws_the_holder_and_the_canary_psi_told_apart_by_the_serving_metrics()
    {
        var curves = new DeploymentCurves("fashion", "production");
        curves.Apply(Metrics(0, withCanary: true));
        curves.Apply(Drift(0, Ok(s_canary, 4, 0.30, 0.05), Ok(s_holder, 3, 0.02, 0.01)));
        curves.Apply(Drift(1, Ok(s_holder, 3, 0.03, 0.01), Collecting(s_canary, 4)));

        Assert.Equal(["holder PSI inputs", "holder PSI classes", "canary PSI inputs", "canary PSI classes"], curves.Drift.Names);
        Assert.Equal([0.0, 1.0], curves.Drift.X);
        Assert.Equal([0.02, 0.03], curves.Drift.Series(0));
        Assert.Equal([0.01, 0.01], curves.Drift.Series(1));
        // A version still collecting samples has no PSI: a gap, not 0.
        Assert.Equal([0.30, null], curves.Drift.Series(2));
        Assert.Equal(2, curves.LastDrift!.Versions.Count);
    }

    [Fact]
    public void Enabled_psi_rules_covering_the_deployment_become_threshold_lines_and_other_rules_do_not()
    {
        var curves = new DeploymentCurves("fashion", "production",
        [
            Rule("inputs shifted", AlertMetrics.PsiInput, 0.2),
            Rule("classes shifted", AlertMetrics.PsiClass, 0.1, model: null),
            Rule("other alias", AlertMetrics.PsiInput, 0.5, alias: "staging"),
            Rule("other model", AlertMetrics.PsiInput, 0.6, model: "digits"),
            Rule("switched off", AlertMetrics.PsiInput, 0.7, enabled: false),
            Rule("slow", AlertMetrics.P95Ms, 50),
        ]);
        curves.Apply(Drift(0, Ok(s_holder, 3, 0.02, 0.01)));
        curves.Apply(Drift(1, Ok(s_holder, 3, 0.25, 0.01)));

        Assert.Equal(["inputs shifted", "classes shifted"], curves.ThresholdRules.Select(r => r.Name));
        Assert.Equal(["alert inputs shifted: psi_input > 0.2", "alert classes shifted: psi_class > 0.1"], curves.Drift.Names.Skip(4));
        Assert.Equal(curves.Drift.Names.Skip(4), curves.ThresholdSeries);
        Assert.Equal([0.2, 0.2], curves.Drift.Series(4));
        Assert.Equal([0.1, 0.1], curves.Drift.Series(5));
    }

    [Fact]
    public void A_drift_report_replayed_for_a_second_already_drawn_is_not_drawn_again()
    {
        var curves = new DeploymentCurves("fashion", "production");
        var first = Drift(0, Ok(s_holder, 3, 0.02, 0.01));
        curves.Apply(first);
        curves.Apply(Drift(1, Ok(s_holder, 3, 0.03, 0.01)));
        curves.Apply(first);
        Assert.Equal([0.0, 1.0], curves.Drift.X);
    }

    [Fact]
    public void Alerts_and_swaps_are_listed_but_drift_reports_go_to_the_chart_only()
    {
        var curves = new DeploymentCurves("fashion", "production");
        curves.Apply(Drift(0, Ok(s_holder, 3, 0.02, 0.01)));
        curves.Apply(new LiveEvent(Topic, ++_sequence, s_start.AddSeconds(2), "alert", new { state = "firing", metric = "psi_input", value = 0.31 }));
        var notice = Assert.Single(curves.Notices);
        Assert.Contains("alert", notice);
        Assert.Contains("psi_input", notice);
    }

    [Fact]
    public void The_drift_chart_sends_its_threshold_line_as_a_series_of_its_own()
    {
        var curves = new DeploymentCurves("fashion", "production", [Rule("inputs shifted", AlertMetrics.PsiInput, 0.2)]);
        curves.Apply(Drift(0, Ok(s_holder, 3, 0.02, 0.01)));
        Context.Render<LiveChart>(p => p.Add(c => c.Data, curves.Drift).Add(c => c.Title, "Drift (PSI)").Add(c => c.DashedSeries, curves.ThresholdSeries));

        var render = Assert.Single(Context.JSInterop.Invocations, i => i.Identifier == "portal.charts.render");
        Assert.Equal("alert inputs shifted: psi_input > 0.2", ((IReadOnlyList<string>)render.Arguments[1]!)[4]);
        Assert.Equal([0.2], ((double?[][])render.Arguments[3]!)[4]);
        var options = System.Text.Json.JsonSerializer.SerializeToElement(render.Arguments[4]);
        Assert.Equal("alert inputs shifted: psi_input > 0.2", Assert.Single(options.GetProperty("dashed").EnumerateArray()).GetString());
    }
}
