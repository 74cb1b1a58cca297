using Bunit;
using Portal.Contracts.Jobs;
using Portal.Server.Live;
using Portal.Server.Training;
using Portal.Ui.Tests.Components;

namespace Portal.Ui.Tests.Training;

public sealed class RunCurvesPanelTests : ComponentContext
{
    private static readonly Guid s_run = Guid.NewGuid();
    private static readonly DateTimeOffset s_start = new(2026, 11, 22, 17, 0, 0, TimeSpan.Zero);
    private long _sequence;

    private LiveEvent Step(long step, double seconds) =>
        new($"run:{s_run}", ++_sequence, s_start.AddSeconds(seconds), "step", new RunStepEvent(s_run, 1, step, 100, 2.0 / step, 0.001, 5000, s_start.AddSeconds(seconds)));

    private static TrainingRun Run() =>
        new() { Id = s_run, Name = "panel", SpecJson = "{}", OptionsJson = "{}", CreatedBy = "carol", BestEpoch = 2, DatasetId = Guid.Parse("0123abcd-0000-0000-0000-000000000000") };

    [Fact]
    public void The_figures_show_progress_samples_per_second_time_left_best_epoch_and_dataset()
    {
        var curves = new RunCurves();
        curves.Start(JobState.Running, 0, null, [], []);
        curves.Apply([Step(10, 0), Step(20, 2)]);

        var panel = Context.Render<RunCurvesPanel>(p => p.Add(c => c.Curves, curves).Add(c => c.Run, Run()));

        Assert.Contains("step 20 of 100", panel.Markup);
        Assert.Equal("5,000", panel.Find("#run-throughput").TextContent);
        Assert.Equal("0:16", panel.Find("#run-eta").TextContent);
        Assert.Contains(">2<", panel.Markup);
        Assert.Contains("0123abcd", panel.Markup);
    }

    [Fact]
    public async Task A_batch_that_is_not_only_more_steps_renders_the_figures_at_once()
    {
        var curves = new RunCurves();
        curves.Start(JobState.Running, 0, null, [], []);
        var panel = Context.Render<RunCurvesPanel>(p => p.Add(c => c.Curves, curves).Add(c => c.Run, Run()));

        var update = curves.Apply([Step(1, 0)]);
        Assert.Equal("–", panel.Find("#run-throughput").TextContent);
        await panel.InvokeAsync(() => panel.Instance.Draw(update));

        Assert.False(update.OnlyMoreSteps);
        Assert.Equal("5,000", panel.Find("#run-throughput").TextContent);
    }
}
