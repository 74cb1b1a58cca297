using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Portal.Server.Tests.Serving;

/// <summary>
/// The Open Inference Protocol's REST text (kserve open-inference-protocol, inference_rest.md) and the binary tensor
/// data extension, checked datatype by datatype: one tensor of each through an identity graph written by
/// python3-onnx, as JSON and as binary, and every refusal the protocol's error shape must give before a model runs.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class ProtocolConformanceTests(ServingPortal portal)
{
    private static readonly ConcurrentDictionary<string, Task<string>> s_served = new();

    /// <summary>Four values of each datatype, as JSON literals: its extremes where JSON can carry them exactly.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Samples = new Dictionary<string, string[]>
    {
        ["BOOL"] = ["true", "false", "false", "true"],
        ["UINT8"] = ["0", "255", "7", "128"],
        ["UINT16"] = ["0", "65535", "300", "1"],
        ["UINT32"] = ["0", "4294967295", "70000", "1"],
        ["UINT64"] = ["0", "18446744073709551615", "5", "1"],
        ["INT8"] = ["-128", "127", "0", "-1"],
        ["INT16"] = ["-32768", "32767", "0", "-300"],
        ["INT32"] = ["-2147483648", "2147483647", "0", "-70000"],
        ["INT64"] = ["-9223372036854775808", "9223372036854775807", "0", "-5"],
        ["FP16"] = ["0.5", "-2", "65504", "0.00006103515625"],
        ["BF16"] = ["1.5", "-3", "256", "0.0078125"],
        ["FP32"] = ["0.1", "-2.5", "3.4028235e38", "1e-30"],
        ["FP64"] = ["0.1", "-2.5", "1.7976931348623157e308", "5e-324"],
        ["BYTES"] = ["\"a\"", "\"héllo wörld\"", "\"\"", "\"日本語\""],
    };

    public static TheoryData<string> Datatypes => [.. Samples.Keys];

    private Task<string> Identity(string datatype) => s_served.GetOrAdd(datatype, d => portal.Serve(ProtocolModels.Identity(d)));

    [Theory]
    [MemberData(nameof(Datatypes))]
    public async Task Metadata_gives_each_datatype_and_minus_one_for_a_dynamic_dimension(string datatype)
    {
        var model = await Identity(datatype);

        var root = JsonDocument.Parse(await portal.Viewer.GetStringAsync($"/v2/models/{model}")).RootElement;

        foreach (var side in new[] { "inputs", "outputs" })
        {
            var tensor = Assert.Single(root.GetProperty(side).EnumerateArray());
            Assert.Equal(datatype, tensor.GetProperty("datatype").GetString());
            Assert.Equal([-1L, 2L], tensor.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        }
    }

    [Theory]
    [MemberData(nameof(Datatypes))]
    public async Task A_tensor_of_every_datatype_round_trips_as_JSON(string datatype)
    {
        var model = await Identity(datatype);
        var values = Samples[datatype];
        // Nested per the protocol: [[a, b], [c, d]] for shape [2, 2].
        var data = $"[[{values[0]},{values[1]}],[{values[2]},{values[3]}]]";

        var outputs = await (await portal.Viewer.Infer($"/v2/models/{model}/infer",
            $$"""{"inputs":[{{ProtocolCalls.Input("x", datatype, "[2,2]", data)}}]}""")).JsonOutputs();

        var y = outputs["y"];
        Assert.Equal(datatype, y.GetProperty("datatype").GetString());
        Assert.Equal([2L, 2L], y.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        var answered = y.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(values.Length, answered.Count);
        for (var i = 0; i < values.Length; i++) ProtocolCalls.AssertSame(datatype, values[i], answered[i]);
    }

    [Theory]
    [MemberData(nameof(Datatypes))]
    public async Task A_tensor_of_every_datatype_round_trips_as_binary_data(string datatype)
    {
        var model = await Identity(datatype);
        var bytes = ProtocolCalls.Encode(datatype, Samples[datatype]);
        var json = $$$"""{"inputs":[{{{ProtocolCalls.BinaryInput("x", datatype, "[2,2]", bytes.Length)}}}],"outputs":[{"name":"y","parameters":{"binary_data":true}}]}""";

        var (root, tail) = await (await portal.Viewer.InferBinary(model, json, bytes)).BinaryAnswer();

        var y = Assert.Single(root.GetProperty("outputs").EnumerateArray());
        Assert.Equal(datatype, y.GetProperty("datatype").GetString());
        Assert.Equal([2L, 2L], y.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.False(y.TryGetProperty("data", out _));
        Assert.Equal(bytes.Length, y.GetProperty("parameters").GetProperty("binary_data_size").GetInt64());
        Assert.Equal(bytes, tail);
    }

    [Fact]
    public async Task Binary_input_can_be_answered_in_JSON_and_JSON_input_in_binary_with_the_request_level_parameter()
    {
        var model = await Identity("INT16");
        var values = Samples["INT16"];
        var bytes = ProtocolCalls.Encode("INT16", values);
        var data = $"[{string.Join(',', values)}]";

        var outputs = await (await portal.Viewer.InferBinary(model, $$"""{"inputs":[{{ProtocolCalls.BinaryInput("x", "INT16", "[2,2]", bytes.Length)}}]}""", bytes)).JsonOutputs();
        var (_, tail) = await (await portal.Viewer.Infer($"/v2/models/{model}/infer",
            $$$"""{"inputs":[{{{ProtocolCalls.Input("x", "INT16", "[2,2]", data)}}}],"parameters":{"binary_data_output":true}}""")).BinaryAnswer();

        Assert.Equal(values, outputs["y"].GetProperty("data").EnumerateArray().Select(e => e.GetRawText()));
        Assert.Equal(bytes, tail);
    }

    [Fact]
    public async Task Server_metadata_lists_the_binary_tensor_data_extension()
    {
        var root = JsonDocument.Parse(await portal.Viewer.GetStringAsync("/v2")).RootElement;

        Assert.Contains("binary_tensor_data", root.GetProperty("extensions").EnumerateArray().Select(e => e.GetString()));
    }

    [Theory]
    [InlineData("UINT8", "[300,1,2,3]", "Value 0 of input 'x' is 300, out of range for UINT8")]
    [InlineData("INT8", "[1,-129,2,3]", "Value 1 of input 'x' is -129, out of range for INT8")]
    [InlineData("UINT32", "[1,2,-1,3]", "Value 2 of input 'x' is -1, out of range for UINT32")]
    [InlineData("UINT64", "[1,2,3,18446744073709551616]", "Value 3 of input 'x' is 18446744073709551616, out of range for UINT64")]
    [InlineData("INT32", "[1.5,1,2,3]", "Value 0 of input 'x' is 1.5, not a whole number")]
    [InlineData("INT32", "[NaN,1,2,3]", "The data of input 'x' is not valid JSON")]
    [InlineData("INT64", "[\"NaN\",1,2,3]", "Value 0 of input 'x' is the string \"NaN\", not a number (INT64)")]
    [InlineData("FP16", "[70000,1,2,3]", "Value 0 of input 'x' is 70000, out of range for FP16")]
    [InlineData("BF16", "[1e39,1,2,3]", "Value 0 of input 'x' is 1e39, out of range for BF16")]
    [InlineData("FP32", "[1e39,1,2,3]", "Value 0 of input 'x' (1e39) is not a finite FP32 number")]
    [InlineData("FP64", "[1,null,2,3]", "Value 1 of input 'x' is null, not a number (FP64)")]
    [InlineData("BOOL", "[1,0,1,0]", "Value 0 of input 'x' is 1, not true or false")]
    [InlineData("BYTES", "[\"a\",2,\"c\",\"d\"]", "Value 1 of input 'x' is 2, not a string")]
    [InlineData("INT16", "[1,2,3]", "Input 'x' has shape [2,2], which holds 4 values, but \"data\" has 3")]
    [InlineData("BYTES", "[\"a\",\"b\",\"c\",\"d\",\"e\"]", "which holds 4 values, but \"data\" has 5")]
    public async Task A_value_that_does_not_fit_its_datatype_is_refused_naming_the_tensor(string datatype, string data, string expected)
    {
        var model = await Identity(datatype);

        var message = await (await portal.Viewer.Infer($"/v2/models/{model}/infer",
            $$"""{"inputs":[{{ProtocolCalls.Input("x", datatype, "[2,2]", data)}}]}""")).Error(HttpStatusCode.BadRequest);

        Assert.Contains(expected, message);
    }

    [Theory]
    [InlineData("""{"inputs":[{"name":"features","datatype":"FP32","shape":[1,3],"data":[1,2,3]},{"name":"counts","datatype":"INT64","shape":[1],"data":[1]},{"name":"extra","datatype":"FP32","shape":[1],"data":[1]}]}""", "has no input 'extra'; its inputs are 'features' (FP32 [-1,3]), 'counts' (INT64 [-1])")]
    [InlineData("""{"inputs":[{"name":"features","datatype":"FP32","shape":[1,3],"data":[1,2,3]}]}""", "Input 'counts' (INT64 [-1]) of model")]
    [InlineData("""{"inputs":[{"name":"features","datatype":"FP32","shape":[1,3],"data":[1,2,3]},{"name":"counts","datatype":"INT32","shape":[1],"data":[1]}]}""", "Input 'counts' of model")]
    [InlineData("""{"inputs":[{"name":"features","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]},{"name":"counts","datatype":"INT64","shape":[1],"data":[1]}]}""", "dimension 1 must be 3")]
    [InlineData("""{"inputs":[{"name":"features","datatype":"FP32","shape":[2,3],"data":[1,2,3]},{"name":"counts","datatype":"INT64","shape":[2],"data":[1,2]}]}""", "Input 'features' has shape [2,3], which holds 6 values, but \"data\" has 3")]
    [InlineData("""{"inputs":[{"name":"features","datatype":"FP32","shape":[1,3],"data":[1,2,3]},{"name":"counts","datatype":"INT64","shape":[1],"data":[1]},{"name":"counts","datatype":"INT64","shape":[1],"data":[2]}]}""", "Input 'counts' is given twice")]
    [InlineData("""{"inputs":[{"name":"features","datatype":"FP32","shape":[1,3],"data":[1,2,3]},{"name":"counts","datatype":"INT64","shape":[1],"data":[1]}],"outputs":[{"name":"probabilities"}]}""", "has no output 'probabilities' to return; its outputs are 'shifted' (FP32 [-1,3]), 'doubled' (INT64 [-1])")]
    [InlineData("""{"inputs":[{"name":"features","datatype":"FP32","shape":[1,3],"data":[1,2,3]},{"name":"counts","datatype":"INT64","shape":[1],"data":[1]}],"outputs":[{"name":"doubled"},{"name":"doubled"}]}""", "Output 'doubled' is asked for twice")]
    [InlineData("""{"inputs":[{"name":"features","datatype":"FP32","shape":[2,3],"data":[1,2,3,4,5,6]},{"name":"counts","datatype":"INT64","shape":[1],"data":[1]}]}""", "'batch' = 1")]
    public async Task A_request_that_does_not_fit_the_signature_is_refused_naming_the_tensor(string body, string expected)
    {
        var model = await portal.Serve(ProtocolModels.TwoInTwoOut());

        var message = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", body)).Error(HttpStatusCode.BadRequest);

        Assert.Contains(expected, message);
    }

    [Fact]
    public async Task A_wrong_datatype_names_the_expected_and_the_given()
    {
        var model = await portal.Serve(ProtocolModels.TwoInTwoOut());

        var message = await (await portal.Viewer.Infer($"/v2/models/{model}/infer",
            """{"inputs":[{"name":"features","datatype":"FP32","shape":[1,3],"data":[1,2,3]},{"name":"counts","datatype":"INT32","shape":[1],"data":[1]}]}""")).Error(HttpStatusCode.BadRequest);

        Assert.Contains("Input 'counts'", message);
        Assert.Contains("expects datatype INT64 but the request gave INT32", message);
    }

    public static TheoryData<string, string, byte[], string?, string> MalformedBinary => new()
    {
        // datatype, JSON (SIZE is replaced by the tail's length), tail, header value (null: the JSON's length), expected
        { "INT32", """{"inputs":[{"name":"x","datatype":"INT32","shape":[2,2],"parameters":{"binary_data_size":SIZE}}]}""", new byte[16], "99999", "header says the JSON is 99999 bytes, but the whole body is" },
        { "INT32", """{"inputs":[{"name":"x","datatype":"INT32","shape":[2,2],"parameters":{"binary_data_size":SIZE}}]}""", new byte[16], "twelve", "must be one whole number of bytes" },
        { "INT32", """{"inputs":[{"name":"x","datatype":"INT32","shape":[2,2],"parameters":{"binary_data_size":32}}]}""", new byte[16], null, "Input 'x' has binary_data_size 32, but only 16 bytes of binary data are left" },
        { "INT32", """{"inputs":[{"name":"x","datatype":"INT32","shape":[2,2],"parameters":{"binary_data_size":16}}]}""", new byte[20], null, "The body has 20 bytes after the JSON header, but the inputs' binary_data_size add up to 16" },
        { "INT32", """{"inputs":[{"name":"x","datatype":"INT32","shape":[2,2],"parameters":{"binary_data_size":SIZE}}]}""", new byte[12], null, "Input 'x' has shape [2,2] of INT32, which takes 16 bytes, but its binary_data_size is 12" },
        { "INT32", """{"inputs":[{"name":"x","datatype":"INT32","shape":[2,2],"data":[1,2,3,4],"parameters":{"binary_data_size":SIZE}}]}""", new byte[16], null, "Input 'x' has both \"data\" and parameters.binary_data_size" },
        { "INT32", """{"inputs":[{"name":"x","datatype":"INT32","shape":[2,2],"parameters":{"binary_data_size":-4}}]}""", new byte[16], null, "Input 'x' has parameters.binary_data_size -4" },
        { "BOOL", """{"inputs":[{"name":"x","datatype":"BOOL","shape":[2,2],"parameters":{"binary_data_size":SIZE}}]}""", new byte[] { 1, 0, 2, 1 }, null, "Value 2 of input 'x' is the byte 2, out of range for BOOL" },
        { "BYTES", """{"inputs":[{"name":"x","datatype":"BYTES","shape":[2,2],"parameters":{"binary_data_size":SIZE}}]}""", new byte[] { 1, 0, 0, 0, 65, 9, 0, 0, 0, 66 }, null, "Element 1 of input 'x' says it is 9 bytes, but only 1 bytes of its binary data are left" },
        { "BYTES", """{"inputs":[{"name":"x","datatype":"BYTES","shape":[2,2],"parameters":{"binary_data_size":SIZE}}]}""", new byte[] { 1, 0, 0, 0, 65, 1, 0 }, null, "ends inside the 4-byte length of element 1" },
        { "BYTES", """{"inputs":[{"name":"x","datatype":"BYTES","shape":[2,2],"parameters":{"binary_data_size":SIZE}}]}""", new byte[] { 1, 0, 0, 0, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, null, "Element 0 of input 'x' is not UTF-8" },
        { "BYTES", """{"inputs":[{"name":"x","datatype":"BYTES","shape":[2,2],"parameters":{"binary_data_size":SIZE}}]}""", new byte[] { 1, 0, 0, 0, 65 }, null, "which holds 4 values, but its binary data has 1" },
    };

    [Theory]
    [MemberData(nameof(MalformedBinary))]
    public async Task A_malformed_binary_body_is_refused_with_a_clear_message(string datatype, string json, byte[] tail, string? header, string expected)
    {
        var model = await Identity(datatype);

        var response = await portal.Viewer.InferBinary(model, json.Replace("SIZE", tail.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)), tail, header);

        Assert.Contains(expected, await response.Error(HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task Binary_data_without_the_header_is_refused()
    {
        var model = await Identity("INT32");

        var message = await (await portal.Viewer.Infer($"/v2/models/{model}/infer",
            """{"inputs":[{"name":"x","datatype":"INT32","shape":[2,2],"parameters":{"binary_data_size":16}}]}""")).Error(HttpStatusCode.BadRequest);

        Assert.Contains("Input 'x' has parameters.binary_data_size but the request has no Inference-Header-Content-Length header", message);
    }
}
