using Portal.Engine.Onnx;

namespace Portal.Server.Serving;

/// <summary>
/// A parsed request checked against the version that will run it: every declared input given once and nothing else,
/// each with the declared datatype, a shape of the declared rank whose fixed dimensions match, and values given as
/// JSON data or binary data; every requested output declared, once. Nothing reaches ONNX Runtime before this passes
/// (and the values themselves pass <see cref="ProtocolTensorReader"/> or, on the FP32 path, <see cref="Rows"/>).
/// </summary>
internal static class InputCheck
{
    /// <summary>The declared input of each of the request's inputs, in the request's order.</summary>
    public static OnnxTensorInfo[] Signature(InferRequest request, ServedVersion version)
    {
        var declared = version.Inputs;
        var what = $"model '{version.Model}' version {version.Number}";
        if (declared.Count == 1 && request.Inputs.Count != 1)
            throw InferRequest.Invalid($"{Cap(what)} takes one input, {Describe(declared[0])}; the request gave {request.Inputs.Count}: {string.Join(", ", request.Inputs.Select(i => $"'{i.Name}'"))}.");
        // Plain loops: this runs on every request of the pooled FP32 path, which allocates nothing it need not.
        var matched = new OnnxTensorInfo[request.Inputs.Count];
        for (var i = 0; i < matched.Length; i++)
        {
            var input = request.Inputs[i];
            for (var j = 0; j < i; j++)
            {
                if (request.Inputs[j].Name == input.Name)
                    throw InferRequest.Invalid($"Input '{input.Name}' is given twice; give each of {what}'s inputs once.");
            }
            matched[i] = Find(declared, input.Name)
                ?? throw InferRequest.Invalid(declared.Count == 1
                    ? $"{Cap(what)} has no input '{input.Name}'; its input is {Describe(declared[0])}."
                    : $"{Cap(what)} has no input '{input.Name}'; its inputs are {string.Join(", ", declared.Select(Describe))}.");
        }
        if (matched.Length < declared.Count)
        {
            foreach (var input in declared)
            {
                if (Array.IndexOf(matched, input) < 0)
                    throw InferRequest.Invalid($"Input {Describe(input)} of {what} is required, but the request does not give it.");
            }
        }
        for (var i = 0; i < matched.Length; i++) Tensor(request.Inputs[i], matched[i], what);
        for (var o = 0; o < request.Outputs.Count; o++)
        {
            var output = request.Outputs[o].Name;
            if (Find(version.Outputs, output) is null)
                throw InferRequest.Invalid(version.Outputs.Count == 1
                    ? $"{Cap(what)} has no output '{output}' to return; it returns {Describe(version.Outputs[0])}."
                    : $"{Cap(what)} has no output '{output}' to return; its outputs are {string.Join(", ", version.Outputs.Select(Describe))}.");
            for (var p = 0; p < o; p++)
            {
                if (request.Outputs[p].Name == output) throw InferRequest.Invalid($"Output '{output}' is asked for twice.");
            }
        }
        return matched;
    }

    /// <summary>
    /// The request's one input <c>text</c> checked to be readable as strings (BYTES, a shape, values given); what it
    /// holds is checked where it is run (<see cref="ProtocolInference"/>). Returns what to read it as.
    /// </summary>
    public static OnnxTensorInfo Text(RequestedInput input, ServedVersion version)
    {
        var what = $"model '{version.Model}' version {version.Number}";
        if (input.Datatype != "BYTES")
            throw InferRequest.Invalid($"Input '{input.Name}' of {what} expects datatype BYTES (one UTF-8 string per text) but the request gave {input.Datatype ?? "none"}.");
        var shape = input.Shape ?? throw InferRequest.Invalid($"Input '{input.Name}' has no \"shape\"; {what} expects [n] or [n,1], one text per row.");
        if (!input.HasData && input.Json is null && input.BinarySize is null)
            throw InferRequest.Invalid($"Input '{input.Name}' has no \"data\" and no parameters.binary_data_size.");
        if (shape.Length is < 1 or > 2 || shape.Any(d => d < 0) || Count(shape) < 0)
            throw InferRequest.Invalid($"Input '{input.Name}' of {what} expects shape [n] or [n,1], one text per row, but the request gave {input.ShapeText}.");
        return new OnnxTensorInfo(input.Name, OnnxElementType.String, [.. shape.Select(_ => OnnxDimension.Unknown)]);
    }

    private static OnnxTensorInfo? Find(IReadOnlyList<OnnxTensorInfo> tensors, string name)
    {
        for (var i = 0; i < tensors.Count; i++)
        {
            if (tensors[i].Name == name) return tensors[i];
        }
        return null;
    }

    private static void Tensor(RequestedInput input, OnnxTensorInfo declared, string what)
    {
        var datatype = ProtocolDatatypes.Of(declared.ElementType);
        if (input.Datatype is null)
            throw InferRequest.Invalid($"Input '{input.Name}' has no \"datatype\"; {what} expects {datatype}.");
        if (!ProtocolDatatypes.IsKnown(input.Datatype))
            throw InferRequest.Invalid($"Input '{input.Name}' has datatype '{input.Datatype}', which the protocol does not define; {what} expects {datatype}.");
        if (input.Datatype != datatype)
            throw InferRequest.Invalid($"Input '{input.Name}' of {what} expects datatype {datatype} but the request gave {input.Datatype}.");
        var shape = input.Shape ?? throw InferRequest.Invalid($"Input '{input.Name}' has no \"shape\"; {what} expects {Shape(declared)}.");
        if (!input.HasData && input.Json is null && input.BinarySize is null)
            throw InferRequest.Invalid($"Input '{input.Name}' has no \"data\" and no parameters.binary_data_size.");
        // A file may declare no shape at all; then any rank may come, and ONNX Runtime checks what its operators need.
        if (declared.RankKnown && shape.Length != declared.Rank)
            throw InferRequest.Invalid($"Input '{input.Name}' of {what} expects shape {Shape(declared)} (rank {declared.Rank}) but the request gave {input.ShapeText} (rank {shape.Length}).");
        for (var d = 0; d < shape.Length; d++)
        {
            if (shape[d] <= 0)
                throw InferRequest.Invalid($"Input '{input.Name}' has shape {input.ShapeText}: dimension {d} is {shape[d]}, every dimension must be positive.");
            if (declared.RankKnown && declared.Dimensions[d].Size is long size && size != shape[d])
                throw InferRequest.Invalid($"Input '{input.Name}' of {what} expects shape {Shape(declared)} but the request gave {input.ShapeText}: dimension {d} must be {size}.");
        }
        if (Count(shape) < 0)
            throw InferRequest.Invalid($"Input '{input.Name}' has shape {input.ShapeText}, which holds more than {int.MaxValue} values.");
    }

    /// <summary>The values a shape holds, or −1 above <see cref="int.MaxValue"/>.</summary>
    public static int Count(long[] shape)
    {
        long count = 1;
        foreach (var size in shape)
        {
            if (size > int.MaxValue) return -1;
            count *= size;
            if (count > int.MaxValue) return -1;
        }
        return (int)count;
    }

    /// <summary>
    /// The rows of a request the pooled FP32 path runs (its one input checked by <see cref="Signature"/>): the data
    /// holds exactly the values its shape does, and a fixed-batch model gets its batch.
    /// </summary>
    public static int Rows(InferRequest request, ServedVersion version)
    {
        var input = request.Inputs[0];
        var count = Count(input.Shape!);
        if (count != input.Count)
            throw InferRequest.Invalid($"Input '{input.Name}' has shape {input.ShapeText}, which holds {count} values, but \"data\" has {input.Count}.");
        var rows = (int)input.Shape![0];
        if (version.FixedBatch is long fixedBatch && fixedBatch != rows)
            throw InferRequest.Invalid($"Model '{version.Model}' version {version.Number} takes exactly {fixedBatch} rows per request, not {rows}.");
        return rows;
    }

    private static string Describe(OnnxTensorInfo tensor) => $"'{tensor.Name}' ({ProtocolDatatypes.Of(tensor.ElementType)} {Shape(tensor)})";

    private static string Shape(OnnxTensorInfo tensor) => tensor.RankKnown ? $"[{string.Join(',', ProtocolDatatypes.Shape(tensor))}]" : tensor.ShapeText;

    private static string Cap(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
