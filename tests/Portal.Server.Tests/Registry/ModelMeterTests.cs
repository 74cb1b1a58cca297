using Portal.Engine.Evaluation;
using Portal.Engine.Inference;

namespace Portal.Server.Tests.Registry;

public sealed class ModelMeterTests
{
    private static readonly InferenceOptions s_cpu = new() { PreferCuda = false, IntraOpThreads = 1 };

    [Fact]
    public async Task A_fast_model_gets_the_full_count_of_timed_runs_and_ordered_percentiles()
    {
        using var model = InferenceModel.Load(HandMadeOnnx.TopVersusBottom(), s_cpu);
        var meter = new ModelMeter(new MeasurementOptions { ThroughputDuration = TimeSpan.FromMilliseconds(100) });

        var evidence = (await meter.Time([model], ReadOnlyMemory<float>.Empty, CancellationToken.None))[0];

        Assert.Equal(2000, evidence.LatencyRuns);
        Assert.True(evidence.P50Ms > 0);
        Assert.True(evidence.P50Ms <= evidence.P95Ms);
        Assert.True(evidence.ThroughputRuns >= 3);
        Assert.True(evidence.SamplesPerSecond > 0);
    }

    [Fact]
    public async Task Timing_stops_at_its_budget_after_the_minimum_runs()
    {
        using var model = InferenceModel.Load(HandMadeOnnx.TopVersusBottom(), s_cpu);
        var meter = new ModelMeter(new MeasurementOptions
        {
            WarmUpBudget = TimeSpan.Zero,
            LatencyBudget = TimeSpan.Zero,
            MinLatencyRuns = 7,
            ThroughputDuration = TimeSpan.Zero,
            MinThroughputRuns = 4,
        });

        var evidence = (await meter.Time([model], ReadOnlyMemory<float>.Empty, CancellationToken.None))[0];

        Assert.Equal(7, evidence.LatencyRuns);
        Assert.Equal(4, evidence.ThroughputRuns);
    }

    [Fact]
    public async Task Samples_that_are_not_whole_are_refused_naming_the_counts()
    {
        using var model = InferenceModel.Load(HandMadeOnnx.TopVersusBottom(), s_cpu);
        var meter = new ModelMeter(new MeasurementOptions());

        var error = await Assert.ThrowsAsync<ArgumentException>(() => meter.Time([model], new float[20], CancellationToken.None));

        Assert.Contains("20 sample values", error.Message);
        Assert.Contains("16 values", error.Message);
    }

    [Fact]
    public async Task A_cancelled_measurement_stops()
    {
        using var model = InferenceModel.Load(HandMadeOnnx.TopVersusBottom(), s_cpu);
        var meter = new ModelMeter(new MeasurementOptions { LatencyRuns = 1_000_000_000, LatencyBudget = TimeSpan.FromHours(1) });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => meter.Time([model], ReadOnlyMemory<float>.Empty, cancel.Token));
    }
}
