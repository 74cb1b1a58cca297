namespace Portal.Server.Serving;

/// <summary>
/// A parsed request checked against the version that will run it: one input of the right name, datatype FP32,
/// a shape of the model's rank whose fixed dimensions match, and exactly as many values as the shape holds.
/// Nothing reaches ONNX Runtime before this passes. Returns the number of rows (the batch dimension).
/// </summary>
internal static class InputCheck
{
    public static int Rows(InferRequest request, ServedVersion version)
    {
        var declared = version.Input;
        var what = $"model '{version.Model}' version {version.Number}";
        if (request.Inputs.Count != 1)
            throw InferRequest.Invalid($"{Cap(what)} takes one input, '{declared.Name}' (FP32 {Shape(declared)}); the request gave {request.Inputs.Count}: {string.Join(", ", request.Inputs.Select(i => $"'{i.Name}'"))}.");
        var input = request.Inputs[0];
        if (input.Name != declared.Name)
            throw InferRequest.Invalid($"{Cap(what)} has no input '{input.Name}'; its input is '{declared.Name}' (FP32 {Shape(declared)}).");
        if (input.Datatype is null)
            throw InferRequest.Invalid($"Input '{input.Name}' has no \"datatype\"; {what} expects FP32.");
        if (!ProtocolDatatypes.IsKnown(input.Datatype))
            throw InferRequest.Invalid($"Input '{input.Name}' has datatype '{input.Datatype}', which the protocol does not define; {what} expects FP32.");
        if (input.Datatype != "FP32")
            throw InferRequest.Invalid($"Input '{input.Name}' of {what} expects datatype FP32 but the request gave {input.Datatype}.");
        var shape = input.Shape ?? throw InferRequest.Invalid($"Input '{input.Name}' has no \"shape\"; {what} expects {Shape(declared)}.");
        if (!input.HasData)
            throw InferRequest.Invalid($"Input '{input.Name}' has no \"data\" (this server reads JSON tensor data only, no binary_data).");
        if (shape.Length != declared.Rank)
            throw InferRequest.Invalid($"Input '{input.Name}' of {what} expects shape {Shape(declared)} (rank {declared.Rank}) but the request gave {input.ShapeText} (rank {shape.Length}).");
        long count = 1;
        for (var d = 0; d < shape.Length; d++)
        {
            if (shape[d] <= 0)
                throw InferRequest.Invalid($"Input '{input.Name}' has shape {input.ShapeText}: dimension {d} is {shape[d]}, every dimension must be positive.");
            if (declared.Dimensions[d].Size is long size && size != shape[d])
                throw InferRequest.Invalid($"Input '{input.Name}' of {what} expects shape {Shape(declared)} but the request gave {input.ShapeText}: dimension {d} must be {size}.");
            count = count <= int.MaxValue / shape[d] ? count * shape[d] : long.MaxValue;
        }
        if (count != input.Count)
            throw InferRequest.Invalid($"Input '{input.Name}' has shape {input.ShapeText}, which holds {count} values, but \"data\" has {input.Count}.");
        foreach (var output in request.Outputs)
        {
            if (output != version.Output.Name)
                throw InferRequest.Invalid($"{Cap(what)} has no output '{output}' to return; it returns '{version.Output.Name}' (FP32 {Shape(version.Output)}).");
        }
        return (int)shape[0];
    }

    private static string Shape(Portal.Engine.Onnx.OnnxTensorInfo tensor) => $"[{string.Join(',', ProtocolDatatypes.Shape(tensor))}]";

    private static string Cap(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
