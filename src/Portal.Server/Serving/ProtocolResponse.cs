using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Portal.Engine.Inference;
using Portal.Engine.Onnx;

namespace Portal.Server.Serving;

/// <summary>One output of an answer: its tensor, and whether it goes as binary tensor data.</summary>
internal readonly record struct AnsweredOutput(string Name, InferenceTensor Tensor, bool Binary);

/// <summary>
/// An inference answer of typed outputs: JSON <c>data</c> (FP16 and BF16 as numbers, BOOL as booleans, BYTES as
/// strings), or, for outputs asked for as binary, <c>parameters.binary_data_size</c> in the JSON and the bytes after
/// it, with <c>Inference-Header-Content-Length</c> giving the JSON's length and the body typed application/octet-stream.
/// The JSON is built before anything is sent, so a failure still answers in the protocol's error shape.
/// </summary>
internal static class ProtocolResponse
{
    private static readonly JsonWriterOptions s_writer = new() { SkipValidation = true };

    public static async Task Write(HttpContext context, string model, int version, string? id, IReadOnlyList<AnsweredOutput> outputs)
    {
        var json = new ArrayBufferWriter<byte>();
        var binary = new List<byte[]>();
        using (var writer = new Utf8JsonWriter(json, s_writer))
        {
            writer.WriteStartObject();
            writer.WriteString("model_name"u8, model);
            writer.WriteString("model_version"u8, version.ToString(CultureInfo.InvariantCulture));
            if (id is not null) writer.WriteString("id"u8, id);
            writer.WriteStartArray("outputs"u8);
            foreach (var output in outputs)
            {
                writer.WriteStartObject();
                writer.WriteString("name"u8, output.Name);
                writer.WriteString("datatype"u8, ProtocolDatatypes.Of(output.Tensor.ElementType));
                writer.WriteStartArray("shape"u8);
                foreach (var size in output.Tensor.Shape) writer.WriteNumberValue(size);
                writer.WriteEndArray();
                if (output.Binary)
                {
                    var bytes = Bytes(output.Tensor);
                    binary.Add(bytes);
                    writer.WriteStartObject("parameters"u8);
                    writer.WriteNumber("binary_data_size"u8, bytes.Length);
                    writer.WriteEndObject();
                }
                else
                {
                    CheckFinite(output.Name, output.Tensor);
                    writer.WriteStartArray("data"u8);
                    Values(writer, output.Tensor);
                    writer.WriteEndArray();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        var response = context.Response;
        response.StatusCode = 200;
        if (binary.Count == 0)
        {
            response.ContentType = "application/json";
            await response.Body.WriteAsync(json.WrittenMemory);
            return;
        }
        response.ContentType = ProtocolBody.BinaryContentType;
        response.Headers[ProtocolBody.HeaderLength] = json.WrittenCount.ToString(CultureInfo.InvariantCulture);
        response.ContentLength = json.WrittenCount + binary.Sum(b => (long)b.Length);
        await response.Body.WriteAsync(json.WrittenMemory);
        foreach (var bytes in binary) await response.Body.WriteAsync(bytes);
    }

    /// <summary>
    /// Refuses to write an output holding NaN or an infinity as JSON, which has no numbers for them: the answer is a 500
    /// that names the output and the value, and says how to get it (binary tensor data carries them as they are).
    /// </summary>
    public static void CheckFinite(string output, InferenceTensor tensor)
    {
        var (index, value) = tensor.ElementType switch
        {
            OnnxElementType.Float32 => FirstNonFinite(tensor.Values<float>(), v => v),
            OnnxElementType.Float64 => FirstNonFinite(tensor.Values<double>(), v => v),
            OnnxElementType.Float16 => FirstNonFinite(tensor.Values<Float16>(), v => (float)v),
            OnnxElementType.BFloat16 => FirstNonFinite(tensor.Values<BFloat16>(), v => (float)v),
            _ => (-1, 0.0),
        };
        if (index >= 0) throw NotJson(output, index, value);
    }

    /// <summary>As <see cref="CheckFinite(string, InferenceTensor)"/> for the pooled path's float32 rows.</summary>
    public static void CheckFinite(string output, ReadOnlySpan<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i])) throw NotJson(output, i, values[i]);
        }
    }

    private static (int Index, double Value) FirstNonFinite<T>(ReadOnlySpan<T> values, Func<T, double> read)
    {
        for (var i = 0; i < values.Length; i++)
        {
            var value = read(values[i]);
            if (!double.IsFinite(value)) return (i, value);
        }
        return (-1, 0);
    }

    private static ServingException NotJson(string output, int index, double value) => new(StatusCodes.Status500InternalServerError,
        $"Output '{output}' holds {value.ToString(CultureInfo.InvariantCulture)} at value {index}, which JSON has no number for; " +
        "ask for it as binary tensor data (\"parameters\": {\"binary_data\": true} on the output), which carries it as it is.");

    private static void Values(Utf8JsonWriter writer, InferenceTensor tensor)
    {
        switch (tensor.ElementType)
        {
            case OnnxElementType.Float32: foreach (var v in tensor.Values<float>()) writer.WriteNumberValue(v); break;
            case OnnxElementType.Float64: foreach (var v in tensor.Values<double>()) writer.WriteNumberValue(v); break;
            case OnnxElementType.Float16: foreach (var v in tensor.Values<Float16>()) writer.WriteNumberValue((float)v); break;
            case OnnxElementType.BFloat16: foreach (var v in tensor.Values<BFloat16>()) writer.WriteNumberValue((float)v); break;
            case OnnxElementType.Int8: foreach (var v in tensor.Values<sbyte>()) writer.WriteNumberValue(v); break;
            case OnnxElementType.UInt8: foreach (var v in tensor.Values<byte>()) writer.WriteNumberValue(v); break;
            case OnnxElementType.Int16: foreach (var v in tensor.Values<short>()) writer.WriteNumberValue(v); break;
            case OnnxElementType.UInt16: foreach (var v in tensor.Values<ushort>()) writer.WriteNumberValue(v); break;
            case OnnxElementType.Int32: foreach (var v in tensor.Values<int>()) writer.WriteNumberValue(v); break;
            case OnnxElementType.UInt32: foreach (var v in tensor.Values<uint>()) writer.WriteNumberValue(v); break;
            case OnnxElementType.Int64: foreach (var v in tensor.Values<long>()) writer.WriteNumberValue(v); break;
            case OnnxElementType.UInt64: foreach (var v in tensor.Values<ulong>()) writer.WriteNumberValue(v); break;
            case OnnxElementType.Bool: foreach (var v in tensor.Values<bool>()) writer.WriteBooleanValue(v); break;
            case OnnxElementType.String: foreach (var v in tensor.Strings()) writer.WriteStringValue(v); break;
            default: throw new InvalidOperationException($"Output element type {tensor.ElementType.Name()} has no protocol datatype.");
        }
    }

    /// <summary>The tensor as binary tensor data: little-endian values, BOOL one byte, BYTES each a 4-byte length and its UTF-8.</summary>
    private static byte[] Bytes(InferenceTensor tensor)
    {
        switch (tensor.ElementType)
        {
            case OnnxElementType.String:
                var strings = tensor.Strings();
                var size = 0L;
                foreach (var s in strings) size += sizeof(uint) + Encoding.UTF8.GetByteCount(s);
                var bytes = new byte[size];
                var offset = 0;
                foreach (var s in strings)
                {
                    var written = Encoding.UTF8.GetBytes(s, bytes.AsSpan(offset + sizeof(uint)));
                    BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(offset), (uint)written);
                    offset += sizeof(uint) + written;
                }
                return bytes;
            case OnnxElementType.Float32: return MemoryMarshal.AsBytes(tensor.Values<float>()).ToArray();
            case OnnxElementType.Float64: return MemoryMarshal.AsBytes(tensor.Values<double>()).ToArray();
            case OnnxElementType.Float16: return MemoryMarshal.AsBytes(tensor.Values<Float16>()).ToArray();
            case OnnxElementType.BFloat16: return MemoryMarshal.AsBytes(tensor.Values<BFloat16>()).ToArray();
            case OnnxElementType.Int8: return MemoryMarshal.AsBytes(tensor.Values<sbyte>()).ToArray();
            case OnnxElementType.UInt8: return tensor.Values<byte>().ToArray();
            case OnnxElementType.Int16: return MemoryMarshal.AsBytes(tensor.Values<short>()).ToArray();
            case OnnxElementType.UInt16: return MemoryMarshal.AsBytes(tensor.Values<ushort>()).ToArray();
            case OnnxElementType.Int32: return MemoryMarshal.AsBytes(tensor.Values<int>()).ToArray();
            case OnnxElementType.UInt32: return MemoryMarshal.AsBytes(tensor.Values<uint>()).ToArray();
            case OnnxElementType.Int64: return MemoryMarshal.AsBytes(tensor.Values<long>()).ToArray();
            case OnnxElementType.UInt64: return MemoryMarshal.AsBytes(tensor.Values<ulong>()).ToArray();
            case OnnxElementType.Bool: return MemoryMarshal.AsBytes(tensor.Values<bool>()).ToArray();
            default: throw new InvalidOperationException($"Output element type {tensor.ElementType.Name()} has no protocol datatype.");
        }
    }
}
