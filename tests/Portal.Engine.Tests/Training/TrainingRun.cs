using Portal.Engine.Training;

namespace Portal.Engine.Tests.Training;

/// <summary>The steps and the result of one training run, as the tests compare them.</summary>
internal sealed record TrainingRun(List<StepCompleted> Steps, TrainingResult Result)
{
    public static async Task<TrainingRun> Of(TrainingRequest request)
    {
        var steps = new List<StepCompleted>();
        TrainingResult? result = null;
        await foreach (var e in new Trainer().Train(request))
        {
            if (e is StepCompleted s) steps.Add(s);
            if (e is TrainingCompleted c) result = c.Result;
        }
        return new TrainingRun(steps, result!);
    }

    /// <summary>
    /// The plan run whole; then the same plan with checkpoints in <paramref name="checkpoints"/>, stopped after
    /// <paramref name="pauseAfter"/> epochs as a pre-empted job would be, and resumed.
    /// </summary>
    public static async Task<(TrainingRun Whole, TrainingRun Paused, TrainingRun Resumed)> WholeAndResumed(TrainingRequest plan, string checkpoints, int pauseAfter)
    {
        var whole = await Of(plan);
        var checkpointed = plan with { Options = plan.Options with { CheckpointDirectory = checkpoints } };
        var paused = await Of(checkpointed with { PauseAfterEpoch = pauseAfter });
        var resumed = await Of(checkpointed with { ResumeFrom = checkpoints });
        return (whole, paused, resumed);
    }
}
