using Portal.Engine.Onnx;

namespace Portal.Engine.Inference;

/// <summary>
/// The shape of a model the fast path runs: one float32 input [batch, …fixed] and a float32 first output
/// [batch, …fixed], so a batch is a flat span of samples in and a flat span of results out.
/// </summary>
public sealed record BatchedFloatSignature(string InputName, int InputValuesPerSample, string OutputName, int OutputValuesPerSample, long? FixedBatch)
    : BatchedSignature(InputName, OutputName, OutputValuesPerSample, FixedBatch)
{
    public override int? ValuesPerSample => InputValuesPerSample;

    public override string? Misfit(int valuesPerSample) =>
        valuesPerSample == InputValuesPerSample ? null : $"input '{InputName}' takes {InputValuesPerSample} values per sample, not {valuesPerSample}";

    internal static BatchedFloatSignature? TryCreate(IReadOnlyList<OnnxTensorInfo> inputs, IReadOnlyList<OnnxTensorInfo> outputs, out string reason)
    {
        if (inputs.Count != 1)
        {
            reason = $"the model has {inputs.Count} inputs, not one";
            return null;
        }
        if (!PerSample(inputs[0], out var inputPerSample, out var inputBatch, out reason)) return null;
        if (outputs.Count == 0 || !PerSample(outputs[0], out var outputPerSample, out var outputBatch, out reason)) return null;
        if (inputBatch is long a && outputBatch is long b && a != b)
        {
            reason = $"input {inputs[0]} and output {outputs[0]} have different fixed batch sizes";
            return null;
        }
        reason = "";
        return new BatchedFloatSignature(inputs[0].Name, inputPerSample, outputs[0].Name, outputPerSample, inputBatch ?? outputBatch);
    }
}
