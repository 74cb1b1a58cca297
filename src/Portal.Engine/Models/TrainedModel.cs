using Portal.Engine.Data;
using Portal.Engine.Weights;

namespace Portal.Engine.Models;

/// <summary>A spec with its weights and the input standardisation it was trained with: everything needed to predict or export.</summary>
public sealed record TrainedModel(ModelSpec Spec, ModelWeights Weights, FeatureStandardization? Standardization, IReadOnlyList<string> ClassNames);
