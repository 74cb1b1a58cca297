using Portal.Engine.Evaluation;
using Portal.Engine.Onnx;

namespace Portal.Engine.Inference;

/// <summary>
/// A model outside the pooled FP32 and token paths whose requests can still be merged: every input and every output
/// has a dynamic first dimension, the one batch they share, and no input holds strings. Rows are laid end to end
/// along that dimension in each input, and each output is cut back into rows along it. Requests are merged only
/// when their other dimensions agree (<see cref="DynamicDimensions"/> are the ones that may not).
/// </summary>
public sealed record TypedBatchSignature(IReadOnlyList<OnnxTensorInfo> Inputs, IReadOnlyList<OnnxTensorInfo> Outputs)
{
    /// <summary>The dynamic dimensions after the first, by their symbol or <c>input.index</c> (<see cref="RepresentativeSizes.KeyOf"/>).</summary>
    public IReadOnlyList<string> DynamicDimensions { get; } = [.. Inputs
        .SelectMany(i => Enumerable.Range(1, Math.Max(0, i.Rank - 1)).Where(d => !i.Dimensions[d].IsFixed).Select(d => RepresentativeSizes.KeyOf(i, d)))
        .Distinct(StringComparer.Ordinal)];

    internal static TypedBatchSignature? TryCreate(IReadOnlyList<OnnxTensorInfo> inputs, IReadOnlyList<OnnxTensorInfo> outputs, out string reason)
    {
        if (inputs.Count == 0)
        {
            reason = "the model declares no inputs";
            return null;
        }
        string? batch = null;
        foreach (var input in inputs)
        {
            if (input.ElementType == OnnxElementType.String)
            {
                reason = $"input {input} holds strings, and requests of strings are not merged";
                return null;
            }
            if (Unbatched("input", input) is { } why)
            {
                reason = why;
                return null;
            }
            var symbol = input.Dimensions[0].Symbol is { Length: > 0 } s ? s : null;
            if (symbol is null) continue;
            if (batch is not null && batch != symbol)
            {
                reason = $"the inputs' first dimensions ('{batch}', '{symbol}') are not one shared batch dimension";
                return null;
            }
            batch = symbol;
        }
        if (batch is not null && inputs.FirstOrDefault(i => Enumerable.Range(1, i.Rank - 1).Any(d => i.Dimensions[d].Symbol == batch)) is { } inner)
        {
            reason = $"the batch dimension '{batch}' is also an inner dimension of input {inner}, so rows cannot be laid end to end";
            return null;
        }
        foreach (var output in outputs)
        {
            if (Unbatched("output", output) is { } why)
            {
                reason = why;
                return null;
            }
        }
        reason = "";
        return new TypedBatchSignature(inputs, outputs);
    }

    private static string? Unbatched(string role, OnnxTensorInfo tensor)
    {
        if (!ElementTypes.IsSupported(tensor.ElementType)) return $"{role} {tensor} has an element type the engine does not run";
        if (!tensor.RankKnown) return $"{role} {tensor} declares no shape, so it has no known batch dimension";
        if (tensor.Rank == 0) return $"{role} {tensor} is a scalar, with no batch dimension to merge along";
        if (tensor.Dimensions[0].Size is long size) return $"the first dimension of {role} {tensor} is fixed at {size}, not a dynamic batch";
        return null;
    }
}
