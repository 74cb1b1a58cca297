using Portal.Engine.Training;

namespace Portal.Engine.Tests.Training;

public class LearningRateScheduleTests
{
    private static readonly FloatTolerance s_close = new(1e-12f);

    [Fact]
    public void Constant_schedule_keeps_the_base_rate()
    {
        var schedule = new LearningRateSchedule();

        Assert.Equal(0.1, schedule.RateAt(0, 100, 10, 0.1));
        Assert.Equal(0.1, schedule.RateAt(99, 100, 10, 0.1));
    }

    [Fact]
    public void Step_schedule_multiplies_by_gamma_every_step_epochs()
    {
        var schedule = new LearningRateSchedule { Kind = ScheduleKind.Step, StepEpochs = 2, Gamma = 0.5 };

        Assert.Equal(1.0, schedule.RateAt(19, 60, 10, 1.0));
        Assert.Equal(0.5, schedule.RateAt(20, 60, 10, 1.0));
        Assert.Equal(0.25, schedule.RateAt(45, 60, 10, 1.0));
    }

    [Fact]
    public void Cosine_schedule_starts_at_the_base_passes_the_midpoint_and_hits_its_end_value()
    {
        var schedule = new LearningRateSchedule { Kind = ScheduleKind.Cosine, FinalLearningRate = 0.001 };

        Assert.Equal(0.1, schedule.RateAt(0, 101, 10, 0.1), s_close);
        Assert.Equal((0.1 + 0.001) / 2, schedule.RateAt(50, 101, 10, 0.1), s_close);
        Assert.Equal(0.001, schedule.RateAt(100, 101, 10, 0.1), s_close);
    }

    [Fact]
    public void Linear_warmup_rises_to_the_base_rate_then_hands_over()
    {
        var schedule = new LearningRateSchedule { Kind = ScheduleKind.Cosine, WarmupSteps = 4 };

        Assert.Equal([0.25, 0.5, 0.75, 1.0], Enumerable.Range(0, 4).Select(s => schedule.RateAt(s, 20, 5, 1.0)));
        Assert.Equal(1.0, schedule.RateAt(4, 20, 5, 1.0), s_close);
        Assert.Equal(0.0, schedule.RateAt(19, 20, 5, 1.0), s_close);
    }

    [Fact]
    public void One_cycle_rises_from_a_25th_to_the_peak_then_falls_to_a_ten_thousandth_of_that()
    {
        var schedule = new LearningRateSchedule { Kind = ScheduleKind.OneCycle };
        var rates = Enumerable.Range(0, 100).Select(s => schedule.RateAt(s, 100, 10, 1.0)).ToArray();

        Assert.Equal(1.0 / 25, rates[0], s_close);
        Assert.Equal(1.0, rates.Max(), s_close);
        Assert.Equal(29, Array.IndexOf(rates, rates.Max()));
        Assert.Equal(1.0 / 25 / 1e4, rates[^1], s_close);
    }

    [Fact]
    public void Invalid_schedule_settings_are_refused_by_name()
    {
        var error = Assert.Throws<ArgumentException>(() => new TrainingOptions { Schedule = new() { Kind = ScheduleKind.Step, StepEpochs = 0 } }.Validate());

        Assert.Contains("stepEpochs", error.Message);
    }
}
