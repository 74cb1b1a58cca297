using Portal.Server.Approvals;
using static Portal.Server.Approvals.GateEvaluator;

namespace Portal.Server.Tests.Approvals;

public sealed class GateEvaluatorTests
{
    private static readonly Evidence s_holder = new(1, 0.90, 2.0);

    [Fact]
    public void A_policy_without_gates_evaluates_none()
    {
        Assert.Empty(Evaluate(new PromotionPolicy(), new Evidence(2, null, null), s_holder));
    }

    [Theory]
    [InlineData(0.90, true)]
    [InlineData(0.8999, false)]
    [InlineData(0.95, true)]
    public void Min_accuracy_passes_at_or_above_the_threshold(double accuracy, bool passes)
    {
        var gate = Assert.Single(Evaluate(new PromotionPolicy { MinAccuracy = 0.90 }, new Evidence(2, accuracy, 1.0), s_holder));

        Assert.Equal((MinAccuracy, 0.90, accuracy, passes), (gate.Name, gate.Threshold, gate.Measured!.Value, gate.Passed));
    }

    [Theory]
    [InlineData(0.88, true)] // 0.90 − 0.88 is 0.020000000000000018 in doubles: exactly at the threshold, so it passes
    [InlineData(0.879, false)]
    [InlineData(0.95, true)] // an improvement is a negative drop
    public void Accuracy_drop_is_the_holder_minus_the_candidate_in_fraction_points(double accuracy, bool passes)
    {
        var gate = Assert.Single(Evaluate(new PromotionPolicy { MaxAccuracyDrop = 0.02 }, new Evidence(2, accuracy, 1.0), s_holder));

        Assert.Equal(0.90 - accuracy, gate.Measured!.Value, 12);
        Assert.Equal(passes, gate.Passed);
        Assert.Equal(FractionUnit, gate.Unit);
    }

    [Fact]
    public void Accuracy_drop_fails_when_the_holder_has_no_accuracy()
    {
        var gate = Assert.Single(Evaluate(new PromotionPolicy { MaxAccuracyDrop = 0.02 }, new Evidence(2, 0.9, 1.0), new Evidence(1, null, 1.0)));

        Assert.False(gate.Passed);
        Assert.Null(gate.Measured);
        Assert.Contains("current holder, version 1, has no measured test accuracy", gate.Detail);
    }

    [Fact]
    public void Accuracy_drop_passes_when_the_alias_has_no_holder()
    {
        var gate = Assert.Single(Evaluate(new PromotionPolicy { MaxAccuracyDrop = 0.02 }, new Evidence(2, 0.5, 1.0), null));

        Assert.True(gate.Passed);
        Assert.Contains("no current holder", gate.Detail);
    }

    [Theory]
    [InlineData(4.9, true)]
    [InlineData(5.0, true)]
    [InlineData(5.1, false)]
    public void P95_latency_passes_at_or_below_the_threshold(double latency, bool passes)
    {
        var gate = Assert.Single(Evaluate(new PromotionPolicy { MaxP95LatencyMs = 5.0 }, new Evidence(2, 0.9, latency), s_holder));

        Assert.Equal((MaxP95Latency, MillisecondUnit, passes), (gate.Name, gate.Unit, gate.Passed));
    }

    [Fact]
    public void Every_gate_whose_evidence_is_missing_fails_and_names_the_version()
    {
        var policy = new PromotionPolicy { MinAccuracy = 0.5, MaxAccuracyDrop = 0.5, MaxP95LatencyMs = 100 };

        var gates = Evaluate(policy, new Evidence(7, null, null), s_holder);

        Assert.Equal(3, gates.Count);
        Assert.All(gates, g => Assert.False(g.Passed));
        Assert.All(gates, g => Assert.Null(g.Measured));
        Assert.All(gates, g => Assert.Contains("Version 7 has no measured", g.Detail));
    }
}
