using Microsoft.ML.OnnxRuntime;
using Portal.Engine.Inference;
using Portal.Engine.Onnx;

namespace Portal.Engine.Tests.Inference;

/// <summary>String, float16 and bfloat16 tensors through the general run, and a run that computes only some outputs.</summary>
public sealed class TypedTensorTests
{
    [Fact]
    public void String_tensors_go_in_and_come_back_as_UTF8_text()
    {
        using var model = InferenceModel.Load(ExternalModels.Identity((int)OnnxElementType.String));
        string[] text = ["a", "héllo", "", "日本語"];

        var y = model.Run(new Dictionary<string, InferenceTensor> { ["x"] = InferenceTensor.Create(text, 2, 2) })["y"];

        Assert.Equal(OnnxElementType.String, y.ElementType);
        Assert.Equal([2L, 2L], y.Shape);
        Assert.Equal(text, y.Strings());
    }

    [Fact]
    public void Float16_and_bfloat16_tensors_keep_their_bits()
    {
        using var half = InferenceModel.Load(ExternalModels.Identity((int)OnnxElementType.Float16));
        using var brain = InferenceModel.Load(ExternalModels.Identity((int)OnnxElementType.BFloat16));
        Float16[] halves = [new(0x3800), new(0xC000), new(0x7BFF), new(0x0400)];
        BFloat16[] brains = [new(0x3FC0), new(0xC040), new(0x4380), new(0x3C00)];

        var y16 = half.Run(new Dictionary<string, InferenceTensor> { ["x"] = InferenceTensor.Create(halves, 2, 2) })["y"];
        var yb16 = brain.Run(new Dictionary<string, InferenceTensor> { ["x"] = InferenceTensor.Create(brains, 2, 2) })["y"];

        Assert.Equal(halves.Select(h => h.value), y16.Values<Float16>().ToArray().Select(h => h.value));
        Assert.Equal(brains.Select(b => b.value), yb16.Values<BFloat16>().ToArray().Select(b => b.value));
    }

    [Fact]
    public void A_string_tensor_cannot_be_an_output_buffer()
    {
        using var model = InferenceModel.Load(ExternalModels.Identity((int)OnnxElementType.String));
        var inputs = new Dictionary<string, InferenceTensor> { ["x"] = InferenceTensor.Create(["a", "b"], 1, 2) };

        var error = Assert.Throws<InferenceInputException>(() => model.Run(inputs, new Dictionary<string, InferenceTensor> { ["y"] = InferenceTensor.Create(new string[2], 1, 2) }));

        Assert.Contains("string tensor", error.Message);
    }

    [Fact]
    public void Only_the_outputs_named_are_computed_and_returned()
    {
        using var model = InferenceModel.Load(ExternalModels.SoftmaxWithLabel());
        var inputs = new Dictionary<string, InferenceTensor> { ["logits"] = InferenceTensor.Create([1f, 5f, 2f, 0f, 3f], 1, 5) };

        var label = model.Run(inputs, ["label"]);
        var unknown = Assert.Throws<InferenceInputException>(() => model.Run(inputs, ["scores"]));

        Assert.Equal([1L], Assert.Single(label, o => o.Key == "label").Value.Values<long>().ToArray());
        Assert.Single(label);
        Assert.Contains("no output 'scores'", unknown.Message);
    }
}
