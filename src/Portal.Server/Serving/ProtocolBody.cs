using System.Globalization;

namespace Portal.Server.Serving;

/// <summary>
/// The binary tensor data extension's framing of a request body: <c>Inference-Header-Content-Length</c> bytes of
/// JSON, then each binary input's <c>parameters.binary_data_size</c> bytes, in the order of <c>inputs</c>, and
/// nothing else. Without the header the whole body is JSON.
/// </summary>
internal static class ProtocolBody
{
    public const string HeaderLength = "Inference-Header-Content-Length";

    public const string BinaryContentType = "application/octet-stream";

    /// <summary>The JSON part of the body and the bytes after it (empty without the header).</summary>
    public static (int JsonLength, bool HasHeader) Split(HttpRequest request, int bodyLength)
    {
        if (!request.Headers.TryGetValue(HeaderLength, out var values)) return (bodyLength, false);
        var text = values.Count == 1 ? values[0] : null;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            throw InferRequest.Invalid($"The {HeaderLength} header must be one whole number of bytes, not '{values}'.");
        if (length > bodyLength)
            throw InferRequest.Invalid($"The {HeaderLength} header says the JSON is {length} bytes, but the whole body is {bodyLength} bytes.");
        return ((int)length, true);
    }

    /// <summary>Gives each binary input its slice of <paramref name="binary"/>; the sizes must account for every byte.</summary>
    public static void Place(InferRequest request, ReadOnlyMemory<byte> binary, bool hasHeader, bool floatData)
    {
        var offset = 0L;
        foreach (var input in request.Inputs)
        {
            if (input.BinarySize is not long size) continue;
            if (!hasHeader)
                throw InferRequest.Invalid($"Input '{input.Name}' has parameters.binary_data_size but the request has no {HeaderLength} header saying where the JSON ends.");
            if (input.HasData || input.Json is not null)
                throw InferRequest.Invalid($"Input '{input.Name}' has both \"data\" and parameters.binary_data_size; give its values one way.");
            if (offset + size > binary.Length)
                throw InferRequest.Invalid($"Input '{input.Name}' has binary_data_size {size}, but only {binary.Length - offset} bytes of binary data are left after the JSON and the inputs before it.");
            input.PlaceBinary(binary.Slice((int)offset, (int)size), floatData);
            offset += size;
        }
        if (offset != binary.Length)
            throw InferRequest.Invalid($"The body has {binary.Length} bytes after the {(hasHeader ? "JSON header" : "JSON")}, but the inputs' binary_data_size add up to {offset}.");
    }
}
