using Portal.Engine.Models;
using Portal.Engine.Platform;

namespace Portal.Engine.Training;

/// <summary>
/// How many intra-op threads a training run uses. A batch whose costliest layer is small gains nothing from
/// splitting each op across threads: the threads then spend the step meeting at barriers, and on a shared machine
/// (the portal serves and renders in the same process) a descheduled thread stalls the others. Such a run trains on
/// one thread, with no barrier at all; larger layers use every thread the runtime has. A thread count set in the
/// configuration (PORTAL_THREADS) is kept as it is.
/// </summary>
public static class TrainingThreads
{
    /// <summary>Forward multiply-adds of one batch in the costliest layer below which one thread trains.</summary>
    public const double ParallelMultiplyAdds = 100e6;

    public static int For(ModelSpec spec, int batchSize, RuntimeInfo runtime)
    {
        if (runtime.ThreadsConfigured || runtime.IntraOpThreads == 1) return runtime.IntraOpThreads;
        return TrainingCost.LargestLayerMultiplyAdds(spec) * batchSize < ParallelMultiplyAdds ? 1 : runtime.IntraOpThreads;
    }
}
