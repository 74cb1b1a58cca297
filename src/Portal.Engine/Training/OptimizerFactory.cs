using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Training;

internal static class OptimizerFactory
{
    public static OptimizerHelper Create(OptimizerOptions o, IEnumerable<Parameter> parameters) => o.Kind switch
    {
        OptimizerKind.Sgd => optim.SGD(parameters, o.LearningRate, momentum: o.Momentum, weight_decay: o.WeightDecay, nesterov: o.Nesterov),
        OptimizerKind.Adam => optim.Adam(parameters, o.LearningRate, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay),
        OptimizerKind.AdamW => optim.AdamW(parameters, o.LearningRate, o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay),
        OptimizerKind.RMSprop => optim.RMSProp(parameters, o.LearningRate, o.Alpha, o.Epsilon, o.WeightDecay, o.Momentum),
        OptimizerKind.Adagrad => optim.Adagrad(parameters, o.LearningRate, weight_decay: o.WeightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(o), o.Kind, "unknown optimiser"),
    };

    public static void SetLearningRate(optim.Optimizer optimizer, double rate)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
    }
}
