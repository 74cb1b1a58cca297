using Portal.Contracts.Registry;
using Portal.Engine.Inference;
using Portal.Engine.Onnx;
using Portal.Server.Serving;

namespace Portal.Server.Registry;

/// <summary>A version's inputs and outputs as ONNX Runtime loads them, in the Open Inference Protocol's words (datatype, shape with -1).</summary>
public static class VersionSignature
{
    public static SignatureView Of(InferenceModel model) => Of(model.Inputs, model.Outputs);

    public static SignatureView Of(IReadOnlyList<OnnxTensorInfo> inputs, IReadOnlyList<OnnxTensorInfo> outputs) =>
        new([.. inputs.Select(Tensor)], [.. outputs.Select(Tensor)]);

    private static TensorSignatureView Tensor(OnnxTensorInfo tensor) =>
        new(tensor.Name, ProtocolDatatypes.Of(tensor.ElementType), ProtocolDatatypes.Shape(tensor));
}
