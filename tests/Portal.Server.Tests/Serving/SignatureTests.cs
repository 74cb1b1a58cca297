using System.Net;
using System.Text.Json;

namespace Portal.Server.Tests.Serving;

/// <summary>Models of other signatures than one FP32 tensor in and out, written by python3-onnx and served through /v2.</summary>
[Collection(ServingCollection.Name)]
public sealed class SignatureTests(ServingPortal portal)
{
    private const string TwoInputs = """{"inputs":[{"name":"features","datatype":"FP32","shape":[2,3],"data":[[1,2,3],[4,5,6]]},{"name":"counts","datatype":"INT64","shape":[2],"data":[10,-1]}]OUTPUTS}""";

    [Fact]
    public async Task Metadata_lists_every_input_and_output_of_a_two_input_model()
    {
        var model = await portal.Serve(ProtocolModels.TwoInTwoOut());

        var root = JsonDocument.Parse(await portal.Viewer.GetStringAsync($"/v2/models/{model}")).RootElement;

        Assert.Equal(["features FP32 [-1,3]", "counts INT64 [-1]"], Describe(root.GetProperty("inputs")));
        Assert.Equal(["shifted FP32 [-1,3]", "doubled INT64 [-1]"], Describe(root.GetProperty("outputs")));
    }

    [Fact]
    public async Task Two_inputs_of_different_datatypes_give_both_outputs_when_none_is_asked_for()
    {
        var model = await portal.Serve(ProtocolModels.TwoInTwoOut());

        var outputs = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", TwoInputs.Replace("OUTPUTS", ""))).JsonOutputs();

        Assert.Equal(2, outputs.Count);
        Assert.Equal("FP32", outputs["shifted"].GetProperty("datatype").GetString());
        Assert.Equal([11f, 12f, 13f, 3f, 4f, 5f], outputs["shifted"].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()));
        Assert.Equal("INT64", outputs["doubled"].GetProperty("datatype").GetString());
        Assert.Equal([20L, -2L], outputs["doubled"].GetProperty("data").EnumerateArray().Select(e => e.GetInt64()));
    }

    [Fact]
    public async Task Only_the_outputs_asked_for_are_returned_in_the_order_asked()
    {
        var model = await portal.Serve(ProtocolModels.TwoInTwoOut());

        var one = await portal.Viewer.Infer($"/v2/models/{model}/infer", TwoInputs.Replace("OUTPUTS", ""","outputs":[{"name":"doubled"}]"""));
        var both = await portal.Viewer.Infer($"/v2/models/{model}/infer", TwoInputs.Replace("OUTPUTS", ""","outputs":[{"name":"doubled"},{"name":"shifted"}]"""));

        var single = Assert.Single(await one.JsonOutputs());
        Assert.Equal("doubled", single.Key);
        var root = JsonDocument.Parse(await both.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(["doubled", "shifted"], root.GetProperty("outputs").EnumerateArray().Select(o => o.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task A_scalar_int64_input_is_served()
    {
        var model = await portal.Serve(ProtocolModels.ScalarInt64());

        var root = JsonDocument.Parse(await portal.Viewer.GetStringAsync($"/v2/models/{model}")).RootElement;
        var outputs = await (await portal.Viewer.Infer($"/v2/models/{model}/infer",
            """{"inputs":[{"name":"k","datatype":"INT64","shape":[],"data":[7]}]}""")).JsonOutputs();

        Assert.Equal(["k INT64 []"], Describe(root.GetProperty("inputs")));
        Assert.Empty(outputs["tripled"].GetProperty("shape").EnumerateArray());
        Assert.Equal(21L, Assert.Single(outputs["tripled"].GetProperty("data").EnumerateArray()).GetInt64());
    }

    [Fact]
    public async Task A_scalar_input_given_a_rank_one_tensor_is_refused_before_onnx_runtime_sees_it()
    {
        var model = await portal.Serve(ProtocolModels.ScalarInt64());

        var message = await (await portal.Viewer.Infer($"/v2/models/{model}/infer",
            """{"inputs":[{"name":"k","datatype":"INT64","shape":[2],"data":[7,8]}]}""")).Error(HttpStatusCode.BadRequest);

        Assert.Equal("Input 'k' of model '" + model + "' version 1 expects shape [] (rank 0) but the request gave [2] (rank 1).", message);
    }

    [Fact]
    public async Task An_input_whose_file_declares_no_shape_takes_any_rank()
    {
        var model = await portal.Serve(ProtocolModels.NoShape());

        var matrix = await (await portal.Viewer.Infer($"/v2/models/{model}/infer",
            """{"inputs":[{"name":"x","datatype":"FP32","shape":[2,2],"data":[1,2,3,4]}]}""")).JsonOutputs();
        var scalar = await (await portal.Viewer.Infer($"/v2/models/{model}/infer",
            """{"inputs":[{"name":"x","datatype":"FP32","shape":[],"data":[5]}]}""")).JsonOutputs();

        Assert.Equal([2L, 2L], matrix["y"].GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal([1f, 2f, 3f, 4f], matrix["y"].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()));
        Assert.Empty(scalar["y"].GetProperty("shape").EnumerateArray());
        Assert.Equal(5f, Assert.Single(scalar["y"].GetProperty("data").EnumerateArray()).GetSingle());
    }

    [Fact]
    public async Task A_dynamic_spatial_dimension_takes_any_size_and_its_fixed_one_is_checked()
    {
        var model = await portal.Serve(ProtocolModels.DynamicImage());

        var root = JsonDocument.Parse(await portal.Viewer.GetStringAsync($"/v2/models/{model}")).RootElement;
        var wide = await (await portal.Viewer.Infer($"/v2/models/{model}/infer",
            """{"inputs":[{"name":"image","datatype":"UINT8","shape":[1,1,2,3],"data":[0,1,2,3,4,5]}]}""")).JsonOutputs();
        var tall = await (await portal.Viewer.Infer($"/v2/models/{model}/infer",
            """{"inputs":[{"name":"image","datatype":"UINT8","shape":[2,1,2,1],"data":[10,20,30,50]}]}""")).JsonOutputs();
        var refused = await (await portal.Viewer.Infer($"/v2/models/{model}/infer",
            """{"inputs":[{"name":"image","datatype":"UINT8","shape":[1,3,1,1],"data":[1,2,3]}]}""")).Error(HttpStatusCode.BadRequest);

        Assert.Equal(["image UINT8 [-1,1,-1,-1]"], Describe(root.GetProperty("inputs")));
        Assert.Equal([2.5f], wide["mean"].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()));
        Assert.Equal([15f, 40f], tall["mean"].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()));
        Assert.Contains("dimension 1 must be 1", refused);
    }

    [Fact]
    public async Task An_FP32_model_with_a_second_output_gives_both_and_one_when_asked()
    {
        var model = await portal.Serve(ProtocolModels.FloatWithLabel());
        const string input = """{"name":"x","datatype":"FP32","shape":[2,4],"data":[1,5,2,0,9,1,1,1]}""";

        var all = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", $$"""{"inputs":[{{input}}]}""")).JsonOutputs();
        var label = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", $$"""{"inputs":[{{input}}],"outputs":[{"name":"label"}]}""")).JsonOutputs();
        var pooled = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", $$"""{"inputs":[{{input}}],"outputs":[{"name":"y"}]}""")).JsonOutputs();

        Assert.Equal(["y", "label"], all.Keys);
        Assert.Equal([1L, 0L], all["label"].GetProperty("data").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal([1L, 0L], Assert.Single(label).Value.GetProperty("data").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal([1f, 5f, 2f, 0f, 9f, 1f, 1f, 1f], Assert.Single(pooled).Value.GetProperty("data").EnumerateArray().Select(e => e.GetSingle()));
    }

    [Fact]
    public async Task The_pooled_FP32_path_reads_and_writes_binary_tensor_data()
    {
        var model = await portal.CreateModel();
        float[][] rows = [InferCalls.Row(1), InferCalls.Row(2)];
        var literals = rows.SelectMany(r => r).Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var bytes = ProtocolCalls.Encode("FP32", literals);
        var header = $$$"""{"inputs":[{{{ProtocolCalls.BinaryInput("input", "FP32", "[2,1,2,2]", bytes.Length)}}}],"outputs":[{"name":"output","parameters":{"binary_data":true}}]}""";

        var (root, tail) = await (await portal.Viewer.InferBinary(model, header, bytes)).BinaryAnswer();
        var json = await (await portal.Viewer.Infer(model, rows)).Outputs();

        var output = Assert.Single(root.GetProperty("outputs").EnumerateArray());
        Assert.Equal([2L, ServingPortal.OutputValues], output.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tail).ToArray();
        InferCalls.AssertRow(ServingPortal.Expected(1, rows[0]), values[..ServingPortal.OutputValues]);
        InferCalls.AssertRow(ServingPortal.Expected(1, rows[1]), values[ServingPortal.OutputValues..]);
        Assert.Equal(json.Rows.SelectMany(r => r), values);
    }

    [Fact]
    public async Task The_pooled_FP32_path_refuses_binary_data_that_is_not_whole_values()
    {
        var model = await portal.CreateModel();

        var response = await portal.Viewer.InferBinary(model, $$"""{"inputs":[{{ProtocolCalls.BinaryInput("input", "FP32", "[1,1,2,2]", 15)}}]}""", new byte[15]);

        Assert.Contains("Input 'input' has binary_data_size 15, which is not a whole number of FP32 values", await response.Error(HttpStatusCode.BadRequest));
    }

    private static string[] Describe(JsonElement tensors) => [.. tensors.EnumerateArray().Select(t =>
        $"{t.GetProperty("name").GetString()} {t.GetProperty("datatype").GetString()} [{string.Join(',', t.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()))}]")];
}
