using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Portal.Server.Tests.Serving;

/// <summary>
/// Typed and binary Open Inference Protocol requests as the tests send them: the binary tensor data extension's
/// framing and element encodings written here from the extension's text, independently of the server's code.
/// </summary>
internal static class ProtocolCalls
{
    public const string HeaderLength = "Inference-Header-Content-Length";

    /// <summary>A JSON header followed by binary tensor data, with the header's length in <see cref="HeaderLength"/> (or <paramref name="headerValue"/>).</summary>
    public static Task<HttpResponseMessage> InferBinary(this HttpClient http, string model, string json, byte[] tail, string? headerValue = null)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var content = new ByteArrayContent([.. header, .. tail]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v2/models/{model}/infer") { Content = content };
        request.Headers.TryAddWithoutValidation(HeaderLength, headerValue ?? header.Length.ToString(CultureInfo.InvariantCulture));
        return http.SendAsync(request);
    }

    /// <summary>Asserts 200 and an answer with binary outputs: returns its JSON and the bytes after it.</summary>
    public static async Task<(JsonElement Root, byte[] Tail)> BinaryAnswer(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {Encoding.UTF8.GetString(body)}");
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        var length = int.Parse(response.Headers.GetValues(HeaderLength).Single(), CultureInfo.InvariantCulture);
        var root = JsonDocument.Parse(body.AsMemory(0, length)).RootElement;
        return (root, body[length..]);
    }

    /// <summary>Asserts 200 and a JSON answer; returns its outputs by name.</summary>
    public static async Task<Dictionary<string, JsonElement>> JsonOutputs(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.GetProperty("outputs").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!);
    }

    public static string Input(string name, string datatype, string shape, string data) =>
        $$"""{"name":"{{name}}","datatype":"{{datatype}}","shape":{{shape}},"data":{{data}}}""";

    public static string BinaryInput(string name, string datatype, string shape, int size) =>
        $$$"""{"name":"{{{name}}}","datatype":"{{{datatype}}}","shape":{{{shape}}},"parameters":{"binary_data_size":{{{size}}}}}""";

    /// <summary>JSON literals (numbers, booleans, strings) as binary tensor data of <paramref name="datatype"/>.</summary>
    public static byte[] Encode(string datatype, IEnumerable<string> literals)
    {
        var bytes = new List<byte>();
        foreach (var literal in literals)
        {
            switch (datatype)
            {
                case "BOOL": bytes.Add(literal == "true" ? (byte)1 : (byte)0); break;
                case "UINT8": bytes.Add(byte.Parse(literal, CultureInfo.InvariantCulture)); break;
                case "INT8": bytes.Add(unchecked((byte)sbyte.Parse(literal, CultureInfo.InvariantCulture))); break;
                case "UINT16": Add(bytes, 2, b => BinaryPrimitives.WriteUInt16LittleEndian(b, ushort.Parse(literal, CultureInfo.InvariantCulture))); break;
                case "INT16": Add(bytes, 2, b => BinaryPrimitives.WriteInt16LittleEndian(b, short.Parse(literal, CultureInfo.InvariantCulture))); break;
                case "UINT32": Add(bytes, 4, b => BinaryPrimitives.WriteUInt32LittleEndian(b, uint.Parse(literal, CultureInfo.InvariantCulture))); break;
                case "INT32": Add(bytes, 4, b => BinaryPrimitives.WriteInt32LittleEndian(b, int.Parse(literal, CultureInfo.InvariantCulture))); break;
                case "UINT64": Add(bytes, 8, b => BinaryPrimitives.WriteUInt64LittleEndian(b, ulong.Parse(literal, CultureInfo.InvariantCulture))); break;
                case "INT64": Add(bytes, 8, b => BinaryPrimitives.WriteInt64LittleEndian(b, long.Parse(literal, CultureInfo.InvariantCulture))); break;
                case "FP16": Add(bytes, 2, b => BinaryPrimitives.WriteHalfLittleEndian(b, (Half)double.Parse(literal, CultureInfo.InvariantCulture))); break;
                // The test's BF16 values are exact in bfloat16: the upper half of their float32 bits.
                case "BF16": Add(bytes, 2, b => BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)(BitConverter.SingleToUInt32Bits(float.Parse(literal, CultureInfo.InvariantCulture)) >> 16))); break;
                case "FP32": Add(bytes, 4, b => BinaryPrimitives.WriteSingleLittleEndian(b, float.Parse(literal, CultureInfo.InvariantCulture))); break;
                case "FP64": Add(bytes, 8, b => BinaryPrimitives.WriteDoubleLittleEndian(b, double.Parse(literal, CultureInfo.InvariantCulture))); break;
                case "BYTES":
                    var text = Encoding.UTF8.GetBytes(JsonSerializer.Deserialize<string>(literal)!);
                    Add(bytes, 4, b => BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)text.Length));
                    bytes.AddRange(text);
                    break;
                default: throw new ArgumentException($"No encoding for {datatype}.");
            }
        }
        return [.. bytes];
    }

    private static void Add(List<byte> bytes, int size, Action<byte[]> write)
    {
        var buffer = new byte[size];
        write(buffer);
        bytes.AddRange(buffer);
    }

    /// <summary>Asserts that a JSON answer's value is the literal sent, compared as <paramref name="datatype"/>.</summary>
    public static void AssertSame(string datatype, string literal, JsonElement value)
    {
        var sent = JsonDocument.Parse(literal).RootElement;
        switch (datatype)
        {
            case "FP16" or "BF16" or "FP32":
                Assert.Equal(sent.GetSingle(), (float)value.GetDouble());
                break;
            case "FP64":
                Assert.Equal(sent.GetDouble(), value.GetDouble());
                break;
            case "BYTES":
                Assert.Equal(sent.GetString(), value.GetString());
                break;
            default:
                // Integers and booleans: the same JSON text.
                Assert.Equal(sent.GetRawText(), value.GetRawText());
                break;
        }
    }
}
