using Portal.Engine.Training;

namespace Portal.Engine.Tests.Training;

/// <summary>A training run read to its end: every step it reported, and its result.</summary>
internal static class RecordedTraining
{
    public static async Task<(List<StepCompleted> Steps, TrainingResult Result)> Run(TrainingRequest request)
    {
        var steps = new List<StepCompleted>();
        TrainingResult? result = null;
        await foreach (var e in new Trainer().Train(request))
        {
            if (e is StepCompleted s) steps.Add(s);
            if (e is TrainingCompleted c) result = c.Result;
        }
        return (steps, result!);
    }
}
