using Portal.Contracts.Registry;
using Portal.Engine.Inference;
using Portal.Engine.Onnx;
using Portal.Server.Serving;

namespace Portal.Server.Registry;

/// <summary>A version's inputs and outputs as ONNX Runtime loads them, in the Open Inference Protocol's words (datatype, shape with -1).</summary>
public static class VersionSignature
{
    public static SignatureView Of(InferenceModel model) => new([.. model.Inputs.Select(Tensor)], [.. model.Outputs.Select(Tensor)]);

    private static TensorSignatureView Tensor(OnnxTensorInfo tensor) =>
        new(tensor.Name, ProtocolDatatypes.Of(tensor.ElementType), ProtocolDatatypes.Shape(tensor));
}
