using Portal.Engine.Models;
using Portal.Engine.Platform;

namespace Portal.Engine.Training;

/// <summary>
/// How many intra-op threads a training run uses. Splitting an op across threads costs a fork and a join; a batch
/// whose costliest layer is tiny (a small tabular net) spends more on those than it saves, so it trains on one thread.
/// Anything larger uses every thread the runtime has: OpenMP's threads spin briefly between the ops of a step
/// (<see cref="OpenMpWaitPolicy"/>), so even a small MLP's step gains from a second core. A thread count set in the
/// configuration (PORTAL_THREADS) is kept as it is.
/// </summary>
public static class TrainingThreads
{
    /// <summary>Forward multiply-adds of one batch in the costliest layer below which one thread trains.</summary>
    public const double ParallelMultiplyAdds = 4e6;

    public static int For(ModelSpec spec, int batchSize, RuntimeInfo runtime)
    {
        if (runtime.ThreadsConfigured || runtime.IntraOpThreads == 1) return runtime.IntraOpThreads;
        return TrainingCost.LargestLayerMultiplyAdds(spec) * batchSize < ParallelMultiplyAdds ? 1 : runtime.IntraOpThreads;
    }
}
