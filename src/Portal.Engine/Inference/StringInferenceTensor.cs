using Microsoft.ML.OnnxRuntime;
using Portal.Engine.Onnx;

namespace Portal.Engine.Inference;

/// <summary>
/// A string tensor. ONNX Runtime keeps its own copy of each string, so an input is copied in when it is run
/// (not pinned); it cannot be an output buffer.
/// </summary>
public sealed class StringInferenceTensor : InferenceTensor
{
    internal StringInferenceTensor(string[] values, long[] shape) : base(OnnxElementType.String, shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        Data = values;
    }

    public IReadOnlyList<string> Data { get; }

    public override int Length => Data.Count;

    internal override OrtValue Pin()
    {
        var value = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, ShapeArray);
        try
        {
            for (var i = 0; i < Data.Count; i++) value.StringTensorSetElementAt(Data[i].AsSpan(), i);
            return value;
        }
        catch
        {
            value.Dispose();
            throw;
        }
    }

    internal override bool SameValues(InferenceTensor other) => other is StringInferenceTensor strings && Data.SequenceEqual(strings.Data, StringComparer.Ordinal);

    private protected override InferenceTensor Sliced(int start, int count, long[] shape) =>
        new StringInferenceTensor([.. Data.Skip(start).Take(count)], shape);

    private protected override InferenceTensor Concatenated(IReadOnlyList<InferenceTensor> parts, long[] shape) =>
        new StringInferenceTensor([.. parts.SelectMany(p => ((StringInferenceTensor)p).Data)], shape);

    internal override void CopyFrom(OrtValue value) =>
        throw new InvalidOperationException("A string tensor cannot be an output buffer; run with Run(inputs) to get string outputs.");
}
