using Portal.Contracts.Serving;
using Portal.Engine.Inference;

namespace Portal.Server.Serving;

/// <summary>
/// The "Portal:Serving" configuration section (environment: <c>Portal__Serving__MaxBatchSize=1</c>): the batching
/// defaults of every deployment (each can override them through /api/v1) and the limits of the inference protocol.
/// </summary>
public sealed class ServingOptions
{
    public const string Section = "Portal:Serving";

    /// <summary>
    /// Rows merged into one ONNX Runtime run; 1 turns batching off (each request runs on its own). 32 by default:
    /// measured here with one ORT thread, the Fashion-MNIST MLP costs 9.6 µs a sample alone, 2.0 in batches of 32 and
    /// 1.9 in 64; the CNN, whose cost is its convolutions' arithmetic, 40 µs alone and 32–33 from batch 4 to 64.
    /// </summary>
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>How long the first request of a batch waits for others, in microseconds (Triton's max_queue_delay_microseconds).</summary>
    public int MaxQueueDelayMicroseconds { get; set; } = 100;

    /// <summary>Requests waiting per served version; one more is refused with 503.</summary>
    public int MaxQueueSize { get; set; } = 1024;

    /// <summary>The largest inference request body; a larger one gets 413.</summary>
    public long MaxRequestBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>
    /// ONNX Runtime threads per run. One by default: concurrency comes from the batch workers (or, with batching
    /// off, from the requests themselves), and a second runtime pool would spin on the cores HTTP needs.
    /// </summary>
    public int? IntraOpThreads { get; set; } = 1;

    /// <summary>Threads that gather and run batches per served version (Triton's instance count); default one per core.</summary>
    public int BatchWorkers { get; set; } = Environment.ProcessorCount;

    /// <summary>Length of the sliding window of the live percentiles, in seconds.</summary>
    public int MetricsWindowSeconds { get; set; } = 10;

    /// <summary>Runs of a freshly loaded session before it takes traffic, so no request pays for a cold start.</summary>
    public int WarmUpRuns { get; set; } = 20;

    public BatchingSettings Batching => new(MaxBatchSize, MaxQueueDelayMicroseconds, MaxQueueSize);

    /// <summary>How a served session runs; evidence is measured the same way, so it predicts what serving will see.</summary>
    public InferenceOptions Sessions => new() { IntraOpThreads = IntraOpThreads };
}
