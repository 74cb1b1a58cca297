using Portal.Engine.Onnx;

namespace Portal.Engine.Inference;

/// <summary>
/// What the batched run (<see cref="InferenceModel.Run(ReadOnlySpan{float}, int, Span{float})"/>) takes and gives:
/// samples laid end to end as float32 values in, a float32 first output [batch, …fixed] out. Float features
/// (<see cref="BatchedFloatSignature"/>) or token ids held as floats (<see cref="BatchedTokenSignature"/>).
/// </summary>
public abstract record BatchedSignature(string InputName, string OutputName, int OutputValuesPerSample, long? FixedBatch)
{
    /// <summary>The values of one sample that measurements feed: the fixed input size, or a token model's maximum length; null when the model does not say.</summary>
    public abstract int? ValuesPerSample { get; }

    /// <summary>Why samples of <paramref name="valuesPerSample"/> values cannot be run, or null when they can.</summary>
    public abstract string? Misfit(int valuesPerSample);

    private protected static bool PerSample(OnnxTensorInfo tensor, out int perSample, out long? fixedBatch, out string reason)
    {
        perSample = 0;
        fixedBatch = null;
        if (tensor.ElementType != OnnxElementType.Float32 || tensor.Rank < 1)
        {
            reason = $"{tensor} is not a float32 tensor with a batch dimension";
            return false;
        }
        var count = 1L;
        for (var d = 1; d < tensor.Rank; d++)
        {
            if (tensor.Dimensions[d].Size is not long size || size <= 0)
            {
                reason = $"{tensor} has a dimension other than the first that is not fixed";
                return false;
            }
            count *= size;
            if (count > int.MaxValue)
            {
                reason = $"{tensor} has more than {int.MaxValue} values per sample";
                return false;
            }
        }
        perSample = (int)count;
        fixedBatch = tensor.Dimensions[0].Size;
        reason = "";
        return true;
    }
}
