using Portal.Engine.Onnx;

namespace Portal.Engine.Inference;

/// <summary>
/// Checks tensors against a model's declared inputs (and outputs) before ONNX Runtime sees them: names, element
/// types, ranks, fixed dimensions, symbolic dimensions bound consistently, and value counts.
/// </summary>
internal sealed class TensorCheck(string modelName)
{
    private readonly Dictionary<string, (long Size, string Where)> _symbols = new(StringComparer.Ordinal);

    /// <summary>The given inputs in the model's declared order; every declared input must be given, and nothing else.</summary>
    public (string[] Names, InferenceTensor[] Tensors) Inputs(IReadOnlyList<OnnxTensorInfo> declared, IReadOnlyDictionary<string, InferenceTensor> given)
    {
        ArgumentNullException.ThrowIfNull(given);
        foreach (var name in given.Keys)
        {
            if (!declared.Any(d => d.Name == name))
                throw new InferenceInputException($"Model '{modelName}' has no input '{name}'; its inputs are {string.Join(", ", declared)}.");
        }
        var names = new string[declared.Count];
        var tensors = new InferenceTensor[declared.Count];
        for (var i = 0; i < declared.Count; i++)
        {
            var input = declared[i];
            if (!given.TryGetValue(input.Name, out var tensor) || tensor is null)
                throw new InferenceInputException($"Input {input} of model '{modelName}' is required but was not given.");
            Tensor("Input", input, tensor);
            names[i] = input.Name;
            tensors[i] = tensor;
        }
        return (names, tensors);
    }

    /// <summary>Caller-owned output buffers, checked against the declared outputs and the sizes the inputs bound.</summary>
    public (string[] Names, InferenceTensor[] Tensors) Outputs(IReadOnlyList<OnnxTensorInfo> declared, IReadOnlyDictionary<string, InferenceTensor> given)
    {
        ArgumentNullException.ThrowIfNull(given);
        if (given.Count == 0)
            throw new InferenceInputException($"No output buffers were given; model '{modelName}' has outputs {string.Join(", ", declared)}.");
        var names = new string[given.Count];
        var tensors = new InferenceTensor[given.Count];
        var i = 0;
        foreach (var (name, tensor) in given)
        {
            var output = declared.FirstOrDefault(d => d.Name == name)
                ?? throw new InferenceInputException($"Model '{modelName}' has no output '{name}'; its outputs are {string.Join(", ", declared)}.");
            if (tensor is null) throw new InferenceInputException($"The buffer for output {output} is null.");
            if (tensor is StringInferenceTensor)
                throw new InferenceInputException($"Output {output} of model '{modelName}' is a string tensor: strings cannot be written into a buffer; run with Run(inputs) instead.");
            Tensor("Output buffer", output, tensor);
            names[i] = name;
            tensors[i++] = tensor;
        }
        return (names, tensors);
    }

    /// <summary>One tensor against one declared input or output; <paramref name="role"/> starts the message.</summary>
    public void Tensor(string role, OnnxTensorInfo declared, InferenceTensor tensor)
    {
        var what = $"{role} '{declared.Name}' of model '{modelName}'";
        if (!ElementTypes.IsSupported(declared.ElementType))
            throw new InferenceInputException($"{what} has element type {declared.ElementType.Name()}, which the engine does not run (it runs numeric, bool and string tensors).");
        if (tensor.ElementType != declared.ElementType)
            throw new InferenceInputException($"{what} expects {declared.ElementType.Name()} {declared.ShapeText} but was given {tensor.ElementType.Name()} {tensor.ShapeText}.");
        // A file may declare no shape at all; then any rank may come, and ONNX Runtime checks what its operators need.
        if (declared.RankKnown && tensor.Rank != declared.Rank)
            throw new InferenceInputException($"{what} expects rank {declared.Rank} {declared.ShapeText} but was given rank {tensor.Rank} {tensor.ShapeText}.");
        var shape = tensor.ShapeArray;
        var count = 1L;
        for (var d = 0; d < shape.Length; d++)
        {
            if (shape[d] <= 0)
                throw new InferenceInputException($"{what} was given shape {tensor.ShapeText}: dimension {d} is {shape[d]}, every dimension must be positive.");
            count = count <= long.MaxValue / shape[d] ? count * shape[d] : long.MaxValue;
            if (!declared.RankKnown) continue;
            var expected = declared.Dimensions[d];
            if (expected.Size is long size && size != shape[d])
                throw new InferenceInputException($"{what} expects {declared.ShapeText} but was given {tensor.ShapeText}: dimension {d} must be {size}.");
            if (expected.Symbol is string symbol && !string.IsNullOrEmpty(symbol))
            {
                if (_symbols.TryGetValue(symbol, out var bound) && bound.Size != shape[d])
                    throw new InferenceInputException($"{what} was given {tensor.ShapeText}, setting '{symbol}' = {shape[d]}, but {bound.Where} set '{symbol}' = {bound.Size}.");
                _symbols.TryAdd(symbol, (shape[d], $"'{declared.Name}'"));
            }
        }
        if (count != tensor.Length)
            throw new InferenceInputException($"{what} was given shape {tensor.ShapeText} ({count} values) but {tensor.Length} values.");
    }
}
