using System.Text.Json.Serialization;

namespace Portal.Engine.Training;

[JsonConverter(typeof(JsonStringEnumConverter<ScheduleKind>))]
public enum ScheduleKind
{
    Constant,

    /// <summary>Multiply by <see cref="LearningRateSchedule.Gamma"/> every <see cref="LearningRateSchedule.StepEpochs"/> epochs.</summary>
    Step,

    /// <summary>Cosine annealing from the base rate to <see cref="LearningRateSchedule.FinalLearningRate"/> at the last step.</summary>
    Cosine,

    /// <summary>Smith's one-cycle: cosine rise from base/25 to the base rate over 30 % of the steps, then cosine fall to base/1e4.</summary>
    OneCycle,
}

/// <summary>
/// The learning rate as a pure function of the optimiser step. Being stateless, a resumed run needs no
/// scheduler state to continue the same curve. An optional linear warm-up precedes any schedule.
/// </summary>
public sealed record LearningRateSchedule
{
    public ScheduleKind Kind { get; init; } = ScheduleKind.Constant;
    public int WarmupSteps { get; init; }
    public int StepEpochs { get; init; } = 1;
    public double Gamma { get; init; } = 0.1;
    public double FinalLearningRate { get; init; }
    public double OneCyclePeakFraction { get; init; } = 0.3;
    public double OneCycleDivFactor { get; init; } = 25;
    public double OneCycleFinalDivFactor { get; init; } = 1e4;

    /// <summary>The rate for optimiser step <paramref name="step"/> (0-based) of <paramref name="totalSteps"/>.</summary>
    public double RateAt(long step, long totalSteps, int stepsPerEpoch, double baseRate)
    {
        if (WarmupSteps > 0 && step < WarmupSteps && Kind != ScheduleKind.OneCycle)
            return baseRate * (step + 1) / WarmupSteps;

        switch (Kind)
        {
            case ScheduleKind.Constant:
                return baseRate;
            case ScheduleKind.Step:
                return baseRate * Math.Pow(Gamma, step / ((long)Math.Max(1, StepEpochs) * Math.Max(1, stepsPerEpoch)));
            case ScheduleKind.Cosine:
                {
                    var span = Math.Max(1, totalSteps - 1 - WarmupSteps);
                    var t = Math.Clamp((double)(step - WarmupSteps) / span, 0, 1);
                    return FinalLearningRate + (baseRate - FinalLearningRate) * (1 + Math.Cos(Math.PI * t)) / 2;
                }
            case ScheduleKind.OneCycle:
                {
                    var initial = baseRate / OneCycleDivFactor;
                    var final = initial / OneCycleFinalDivFactor;
                    var peakStep = Math.Max(1, (long)Math.Round(OneCyclePeakFraction * totalSteps) - 1);
                    if (step <= peakStep)
                        return Anneal(initial, baseRate, (double)step / peakStep);
                    return Anneal(baseRate, final, Math.Min(1, (double)(step - peakStep) / Math.Max(1, totalSteps - 1 - peakStep)));
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown schedule");
        }
    }

    private static double Anneal(double from, double to, double t) => to + (from - to) * (1 + Math.Cos(Math.PI * t)) / 2;

    internal void Validate()
    {
        if (WarmupSteps < 0) throw new ArgumentException($"Warm-up steps must be non-negative, not {WarmupSteps}.");
        if (Kind == ScheduleKind.Step && (StepEpochs <= 0 || Gamma <= 0)) throw new ArgumentException($"A step schedule needs stepEpochs > 0 and gamma > 0, not {StepEpochs} and {Gamma}.");
        if (FinalLearningRate < 0) throw new ArgumentException($"The final learning rate must be non-negative, not {FinalLearningRate}.");
        if (Kind == ScheduleKind.OneCycle && OneCyclePeakFraction is <= 0 or >= 1) throw new ArgumentException($"The one-cycle peak fraction must be in (0, 1), not {OneCyclePeakFraction}.");
    }
}
