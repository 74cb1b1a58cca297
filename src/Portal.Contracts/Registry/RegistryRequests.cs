namespace Portal.Contracts.Registry;

/// <summary>POST /api/v1/models.</summary>
public sealed record CreateModelRequest(string Name, string? Description);

/// <summary>POST /api/v1/models/{name}/versions: register a run's weights as a version.</summary>
public sealed record RegisterVersionRequest(Guid? RunId, Guid? EvaluationDatasetId);

/// <summary>PUT …/tags/{key}.</summary>
public sealed record SetTagRequest(string? Value);

/// <summary>PUT …/aliases/{alias}: point the alias at version number <see cref="Version"/>.</summary>
public sealed record MoveAliasRequest(int Version);
