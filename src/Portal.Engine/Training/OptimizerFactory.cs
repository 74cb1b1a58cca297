using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Training;

internal static class OptimizerFactory
{
    public static ITrainingOptimizer Create(OptimizerOptions o, nn.Module network, Device device)
    {
        if (FusedCpuAdam.Supports(o, device)) return new FusedCpuAdam(network.named_parameters(), o);
        IEnumerable<Parameter> parameters = network.parameters();
        return new TorchOptimizer(o.Kind switch
        {
            OptimizerKind.Sgd => optim.SGD(parameters, o.LearningRate, momentum: o.Momentum, weight_decay: o.WeightDecay, nesterov: o.Nesterov),
            OptimizerKind.Adam => optim.Adam(parameters, o.LearningRate, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay),
            OptimizerKind.AdamW => optim.AdamW(parameters, o.LearningRate, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay),
            OptimizerKind.RMSprop => optim.RMSProp(parameters, o.LearningRate, o.Alpha, o.Epsilon, o.WeightDecay, o.Momentum),
            OptimizerKind.Adagrad => optim.Adagrad(parameters, o.LearningRate, weight_decay: o.WeightDecay),
            _ => throw new ArgumentOutOfRangeException(nameof(o), o.Kind, "unknown optimiser"),
        });
    }
}
