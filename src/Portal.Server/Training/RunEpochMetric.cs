namespace Portal.Server.Training;

/// <summary>One epoch of a run's curve, stored as it completes so a finished run's curves read back exactly.</summary>
public sealed class RunEpochMetric
{
    public Guid RunId { get; set; }
    public int Epoch { get; set; }
    public double TrainLoss { get; set; }
    public double? TrainAccuracy { get; set; }
    public double? ValidationLoss { get; set; }
    public double? ValidationAccuracy { get; set; }
    public double LearningRate { get; set; }
    public double Seconds { get; set; }
    public double SamplesPerSecond { get; set; }
}
