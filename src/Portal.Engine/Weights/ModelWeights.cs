namespace Portal.Engine.Weights;

/// <summary>
/// A model's state as named float32 tensors, keyed as in a PyTorch <c>nn.Sequential</c> state dict
/// (<c>"0.weight"</c>, <c>"1.running_mean"</c>, …). The engine's only currency for weights.
/// </summary>
public sealed class ModelWeights
{
    private readonly Dictionary<string, NamedTensor> _byName;

    public ModelWeights(IEnumerable<NamedTensor> tensors)
    {
        Tensors = [.. tensors];
        _byName = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        foreach (var t in Tensors)
        {
            if (t.Data.Length != t.ElementCount)
                throw new ArgumentException($"Tensor '{t.Name}' has shape [{string.Join(',', t.Shape)}] ({t.ElementCount} values) but {t.Data.Length} values.");
            if (!_byName.TryAdd(t.Name, t))
                throw new ArgumentException($"Tensor '{t.Name}' appears twice.");
        }
    }

    public IReadOnlyList<NamedTensor> Tensors { get; }

    public NamedTensor this[string name] =>
        _byName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"The weights have no tensor '{name}'.");

    public bool TryGet(string name, out NamedTensor tensor) => _byName.TryGetValue(name, out tensor!);

    public long ParameterCount => Tensors.Sum(t => t.ElementCount);
}
