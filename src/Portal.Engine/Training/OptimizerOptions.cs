using System.Text.Json.Serialization;

namespace Portal.Engine.Training;

[JsonConverter(typeof(JsonStringEnumConverter<OptimizerKind>))]
public enum OptimizerKind
{
    Sgd,
    Adam,
    AdamW,
    RMSprop,
    Adagrad,
}

/// <summary>One of TorchSharp's optimisers and its settings; fields an optimiser does not use are ignored.</summary>
public sealed record OptimizerOptions
{
    public OptimizerKind Kind { get; init; } = OptimizerKind.Adam;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; }

    /// <summary>SGD and RMSprop momentum.</summary>
    public double Momentum { get; init; }

    /// <summary>SGD only; needs momentum &gt; 0.</summary>
    public bool Nesterov { get; init; }

    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>RMSprop smoothing constant.</summary>
    public double Alpha { get; init; } = 0.99;

    internal void Validate()
    {
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentException($"Learning rate must be positive and finite, not {LearningRate}.");
        if (WeightDecay < 0) throw new ArgumentException($"Weight decay must be non-negative, not {WeightDecay}.");
        if (Momentum < 0) throw new ArgumentException($"Momentum must be non-negative, not {Momentum}.");
        if (Nesterov && (Kind != OptimizerKind.Sgd || Momentum <= 0)) throw new ArgumentException("Nesterov momentum needs the SGD optimiser with momentum > 0.");
        if (Beta1 is < 0 or >= 1 || Beta2 is < 0 or >= 1) throw new ArgumentException($"Betas must be in [0, 1), not ({Beta1}, {Beta2}).");
    }
}
