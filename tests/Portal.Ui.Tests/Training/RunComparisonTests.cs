using Portal.Server.Training;

namespace Portal.Ui.Tests.Training;

public sealed class RunComparisonTests
{
    private static RunEpochMetric Epoch(int epoch, double loss) => new() { Epoch = epoch, TrainLoss = loss };

    [Fact]
    public void Runs_of_different_lengths_share_the_epoch_axis_with_gaps_where_a_run_stopped()
    {
        var data = RunComparison.Overlay(
            [("short", [Epoch(1, 0.9), Epoch(2, 0.7)]), ("long", [Epoch(1, 1.0), Epoch(2, 0.8), Epoch(3, 0.6)])],
            m => m.TrainLoss);
        Assert.Equal(["short", "long"], data.Names);
        Assert.Equal([1.0, 2.0, 3.0], data.X);
        Assert.Equal([0.9, 0.7, null], data.Series(0));
        Assert.Equal([1.0, 0.8, 0.6], data.Series(1));
    }

    [Fact]
    public void Runs_with_the_same_name_stay_apart()
    {
        var data = RunComparison.Overlay([("mlp", [Epoch(1, 1)]), ("mlp", [Epoch(1, 2)])], m => m.TrainLoss);
        Assert.Equal(["mlp", "mlp (2)"], data.Names);
    }
}
