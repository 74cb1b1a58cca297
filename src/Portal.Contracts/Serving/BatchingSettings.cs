namespace Portal.Contracts.Serving;

/// <summary>Triton's dynamic batching knobs for one deployment.</summary>
public sealed record BatchingSettings(int MaxBatchSize, int MaxQueueDelayMicroseconds, int MaxQueueSize)
{
    public const int BatchSizeLimit = 4096;
    public const int QueueDelayLimitMicroseconds = 1_000_000;
    public const int QueueSizeLimit = 1_000_000;

    public bool IsBatching => MaxBatchSize > 1;

    /// <summary>Refuses values outside the ranges, naming the setting, its value and the range.</summary>
    public BatchingSettings Validated()
    {
        if (MaxBatchSize is < 1 or > BatchSizeLimit)
            throw new ArgumentException($"maxBatchSize must be between 1 (batching off) and {BatchSizeLimit}, not {MaxBatchSize}.");
        if (MaxQueueDelayMicroseconds is < 0 or > QueueDelayLimitMicroseconds)
            throw new ArgumentException($"maxQueueDelayMicroseconds must be between 0 and {QueueDelayLimitMicroseconds}, not {MaxQueueDelayMicroseconds}.");
        if (MaxQueueSize is < 1 or > QueueSizeLimit)
            throw new ArgumentException($"maxQueueSize must be between 1 and {QueueSizeLimit}, not {MaxQueueSize}.");
        return this;
    }
}
