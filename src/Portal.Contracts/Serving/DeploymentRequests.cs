namespace Portal.Contracts.Serving;

/// <summary>PUT …/batching: each value omitted (null) falls back to the configured default.</summary>
public sealed record BatchingInput(int? MaxBatchSize, int? MaxQueueDelayMicroseconds, int? MaxQueueSize);

/// <summary>PUT …/canary: send <see cref="Percent"/> % (more than 0, less than 100) of the requests to version <see cref="Version"/>.</summary>
public sealed record CanaryInput(int Version, double Percent);
