using Portal.Engine.Platform;
using Portal.Engine.Weights;
using static TorchSharp.torch;

namespace Portal.Engine.Models;

public static class ModelInitialization
{
    /// <summary>
    /// The weights a network for <paramref name="spec"/> starts with under <paramref name="seed"/> (libtorch's
    /// default initialisation), the same ones a training run with that seed starts from.
    /// </summary>
    public static ModelWeights Seeded(ModelSpec spec, int seed)
    {
        NativeRuntime.ApplyToCurrentThread(NativeRuntime.EnsureStarted());
        manual_seed(seed);
        using var network = NetworkFactory.Build(spec);
        return NetworkFactory.ExportWeights(network);
    }
}
