namespace Portal.Engine.Inference;

/// <summary>How an <see cref="InferenceModel"/> runs: threads, graph optimisation and device preference.</summary>
public sealed record InferenceOptions
{
    /// <summary>Threads used inside one operator; null lets ONNX Runtime choose (one per physical core).</summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>Threads running independent operators at once (only with <see cref="ParallelExecution"/>); null lets ONNX Runtime choose.</summary>
    public int? InterOpThreads { get; init; }

    public GraphOptimization Optimization { get; init; } = GraphOptimization.All;

    /// <summary>Run independent branches of the graph in parallel; sequential suits the feed-forward networks Portal trains.</summary>
    public bool ParallelExecution { get; init; }

    /// <summary>
    /// Use the CUDA execution provider when this ONNX Runtime has one and it starts on <see cref="CudaDeviceId"/> (decided
    /// once per process); otherwise the CPU, with the reason reported.
    /// </summary>
    public bool PreferCuda { get; init; } = true;

    public int CudaDeviceId { get; init; }

    public static InferenceOptions Default { get; } = new();
}

/// <summary>ONNX Runtime's graph optimisation levels.</summary>
public enum GraphOptimization
{
    None,
    Basic,
    Extended,
    All,
}
