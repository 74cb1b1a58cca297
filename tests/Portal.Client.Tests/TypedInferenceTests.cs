using Portal.Client.Models;
using Portal.Server.Auth;
using Portal.Server.Tests.Serving;

namespace Portal.Client.Tests;

/// <summary>Typed tensors and the binary tensor data extension through the client, on models written by python3-onnx.</summary>
public sealed class TypedInferenceTests(LivePortal portal) : IClassFixture<LivePortal>
{
    private static InferenceRequest TwoInputs() => new(
    [
        InferenceTensor.Create<float>("features", [2, 3], [1, 2, 3, 4, 5, 6]),
        InferenceTensor.Create<long>("counts", [2], [10, -1]),
    ]);

    [Fact]
    public async Task Typed_inputs_give_the_outputs_asked_for_as_typed_values()
    {
        var model = await ServedFiles.Serve(portal, [ProtocolModels.TwoInTwoOut()], []);
        await using var viewer = await portal.ClientAs(PortalRoles.Viewer);

        var one = await viewer.Inference.Infer(model, TwoInputs() with { Outputs = [new("doubled")] });
        var both = await viewer.Inference.Infer(model, TwoInputs());

        var doubled = Assert.Single(one.Outputs);
        Assert.Equal(("doubled", "INT64"), (doubled.Name, doubled.Datatype));
        Assert.Equal([20L, -2L], doubled.ValuesAs<long>());
        Assert.Equal([11f, 12f, 13f, 3f, 4f, 5f], both.Outputs.Single(o => o.Name == "shifted").ValuesAs<float>());
    }

    [Fact]
    public async Task Binary_tensor_data_goes_both_ways()
    {
        var model = await ServedFiles.Serve(portal, [ProtocolModels.TwoInTwoOut()], []);
        await using var viewer = await portal.ClientAs(PortalRoles.Viewer);

        var answer = await viewer.Inference.InferBinary(model, TwoInputs());

        Assert.All(answer.Outputs, o => Assert.NotNull(o.Binary));
        Assert.Equal([11f, 12f, 13f, 3f, 4f, 5f], answer.Outputs.Single(o => o.Name == "shifted").ValuesAs<float>());
        Assert.Equal([20L, -2L], answer.Outputs.Single(o => o.Name == "doubled").ValuesAs<long>());
    }

    [Fact]
    public async Task Half_precision_and_text_round_trip_in_JSON_and_in_binary()
    {
        var half = await ServedFiles.Serve(portal, [ProtocolModels.Identity("FP16")], []);
        var text = await ServedFiles.Serve(portal, [ProtocolModels.Identity("BYTES")], []);
        await using var viewer = await portal.ClientAs(PortalRoles.Viewer);
        Half[] halves = [(Half)0.5, (Half)(-2), (Half)65504, (Half)0.25];
        string[] strings = ["a", "héllo", "", "日本語"];

        var halfJson = await viewer.Inference.Infer(half, new([InferenceTensor.Create("x", [2, 2], halves)]));
        var halfBinary = await viewer.Inference.InferBinary(half, new([InferenceTensor.Create("x", [2, 2], halves)]));
        var textJson = await viewer.Inference.Infer(text, new([InferenceTensor.Create("x", [2, 2], strings)]));
        var textBinary = await viewer.Inference.InferBinary(text, new([InferenceTensor.Create("x", [2, 2], strings)]));

        Assert.Equal("FP16", halfJson.Outputs[0].Datatype);
        Assert.Equal(halves, halfJson.Outputs[0].ValuesAs<Half>());
        Assert.Equal(halves, halfBinary.Outputs[0].ValuesAs<Half>());
        Assert.Equal(strings, textJson.Outputs[0].ValuesAs<string>());
        Assert.Equal(strings, textBinary.Outputs[0].ValuesAs<string>());
    }
}
