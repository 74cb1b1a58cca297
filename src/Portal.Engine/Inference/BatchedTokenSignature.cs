using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Onnx;

namespace Portal.Engine.Inference;

/// <summary>
/// A token model's batched run: one int64 input [batch, sequence] of token ids, sent as float32 values (the way
/// datasets hold them) and converted per call, and a float32 first output [batch, …fixed].
/// </summary>
/// <param name="FixedLength">The sequence length the input declares, or null when it is dynamic.</param>
/// <param name="MaximumLength">The longest sequence the model takes: the fixed length, or the spec's length for a Portal export; null when unknown.</param>
/// <param name="Vocabulary">Ids must be below this (the spec's embedding), or null when unknown.</param>
public sealed record BatchedTokenSignature(string InputName, int? FixedLength, int? MaximumLength, int? Vocabulary, string OutputName, int OutputValuesPerSample, long? FixedBatch)
    : BatchedSignature(InputName, OutputName, OutputValuesPerSample, FixedBatch)
{
    public override int? ValuesPerSample => MaximumLength;

    public override string? Misfit(int valuesPerSample)
    {
        if (valuesPerSample <= 0) return $"input '{InputName}' takes at least one token per sample, not {valuesPerSample}";
        if (FixedLength is { } length && valuesPerSample != length) return $"input '{InputName}' takes exactly {length} tokens per sample, not {valuesPerSample}";
        if (MaximumLength is { } maximum && valuesPerSample > maximum) return $"input '{InputName}' takes at most {maximum} tokens per sample, not {valuesPerSample}";
        return null;
    }

    /// <summary>Why these ids (rows of <paramref name="length"/>) cannot be run: the length does not fit, or an id is outside the vocabulary; null when they can.</summary>
    public string? Misfit(ReadOnlySpan<long> ids, int length)
    {
        if (Misfit(length) is { } misfit) return misfit;
        if (Vocabulary is not int vocabulary) return null;
        for (var i = 0; i < ids.Length; i++)
        {
            if (ids[i] < 0 || ids[i] >= vocabulary)
                return $"input '{InputName}' holds {ids[i]} at sample {i / length}, position {i % length}, which is not a token id (a whole number from 0 to {vocabulary - 1})";
        }
        return null;
    }

    /// <param name="spec">The spec a Portal export carries in its metadata, if any: it tells the maximum length and the vocabulary.</param>
    internal static BatchedTokenSignature? TryCreate(IReadOnlyList<OnnxTensorInfo> inputs, IReadOnlyList<OnnxTensorInfo> outputs, ModelSpec? spec)
    {
        if (inputs.Count != 1 || inputs[0] is not { ElementType: OnnxElementType.Int64, Rank: 2 } input) return null;
        if (outputs.Count == 0 || !PerSample(outputs[0], out var outputPerSample, out var outputBatch, out _)) return null;
        var inputBatch = input.Dimensions[0].Size;
        if (inputBatch is long a && outputBatch is long b && a != b) return null;
        int? fixedLength = input.Dimensions[1].Size is long size ? checked((int)size) : null;
        var tokens = spec?.Tokens is not null ? spec : null;
        return new BatchedTokenSignature(input.Name, fixedLength, fixedLength ?? tokens?.InputShape[0], tokens is null ? null : TokenIdValues.Vocabulary(tokens),
            outputs[0].Name, outputPerSample, inputBatch ?? outputBatch);
    }
}
