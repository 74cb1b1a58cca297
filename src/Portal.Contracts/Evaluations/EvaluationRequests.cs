namespace Portal.Contracts.Evaluations;

/// <summary>POST /api/v1/models/{name}/versions/{n}/evaluations: measure the version on dataset <see cref="DatasetId"/>.</summary>
public sealed record EvaluateRequest(Guid DatasetId);
