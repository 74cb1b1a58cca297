namespace Portal.Server.Training;

/// <summary>What a training job carries: the run it trains.</summary>
public sealed record TrainingPayload(Guid RunId);
