namespace Portal.Engine.Weights;

/// <summary>The content of a safetensors file: the tensors as float32 and the <c>__metadata__</c> strings (empty when absent).</summary>
public sealed record SafetensorsFile(ModelWeights Weights, IReadOnlyDictionary<string, string> Metadata);
