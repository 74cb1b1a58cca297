namespace Portal.Client.Models;

/// <summary>One optimiser step (the <c>step</c> live event).</summary>
public sealed record RunStep(Guid RunId, int Epoch, long Step, long TotalSteps, double Loss, double LearningRate, double SamplesPerSecond);

