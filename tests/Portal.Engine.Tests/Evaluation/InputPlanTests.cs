using Portal.Engine.Evaluation;
using Portal.Engine.Inference;
using Portal.Engine.Onnx;

namespace Portal.Engine.Tests.Evaluation;

public sealed class InputPlanTests
{
    private static OnnxTensorInfo Tensor(string name, OnnxElementType type, params object?[] dims) =>
        new(name, type, [.. dims.Select(d => d is string symbol ? OnnxDimension.Symbolic(symbol) : d is null ? OnnxDimension.Unknown : OnnxDimension.Fixed(Convert.ToInt64(d)))]);

    private static InputPlan Plan(RepresentativeSizes sizes, params OnnxTensorInfo[] inputs) =>
        InputPlan.TryCreate(inputs, sizes, out var reason) ?? throw new Xunit.Sdk.XunitException(reason);

    [Fact]
    public void A_first_dimension_every_input_shares_is_the_batch_and_other_dynamic_dimensions_take_the_default()
    {
        var plan = Plan(RepresentativeSizes.Default, Tensor("image", OnnxElementType.Float32, "n", 3, "h", "w"), Tensor("ids", OnnxElementType.Int64, "n", 4));

        Assert.Equal("n", plan.BatchKey);
        Assert.Null(plan.NoThroughput);
        Assert.Equal([1L, 3, 32, 32], plan.Inputs[0].Shape);
        var batch = plan.Tensors(ModelMeter.ThroughputBatch);
        Assert.Equal([64L, 3, 32, 32], batch["image"].Shape);
        Assert.Equal([64L, 4], batch["ids"].Shape);
        Assert.All(batch["ids"].Values<long>().ToArray(), id => Assert.InRange(id, 0, RepresentativeSizes.DefaultIntegerBound - 1));
    }

    [Fact]
    public void Given_sizes_are_used_and_said_to_be_given()
    {
        var plan = Plan(new RepresentativeSizes { Dimensions = new Dictionary<string, long> { ["h"] = 16, ["image.3"] = 8 } },
            Tensor("image", OnnxElementType.Float32, "n", 1, "h", null));

        Assert.Equal([1L, 1, 16, 8], plan.Inputs[0].Shape);
        Assert.Contains("h=16 (given)", plan.Notes);
        Assert.Contains("image.3=8 (given)", plan.Notes);
    }

    [Fact]
    public void A_batch_sized_by_the_caller_is_not_read_as_a_batch_and_throughput_is_not_measured()
    {
        var plan = Plan(new RepresentativeSizes { Dimensions = new Dictionary<string, long> { ["n"] = 4 } }, Tensor("x", OnnxElementType.Float32, "n", 3));

        Assert.Null(plan.BatchKey);
        Assert.Contains("sized by the request", plan.NoThroughput);
        Assert.Equal([4L, 3], plan.Tensors(ModelMeter.ThroughputBatch)["x"].Shape);
    }

    [Fact]
    public void Inputs_whose_first_dimensions_differ_or_are_fixed_have_no_batch()
    {
        Assert.Contains("not one shared batch", Plan(RepresentativeSizes.Default, Tensor("a", OnnxElementType.Float32, "n", 2), Tensor("b", OnnxElementType.Float32, "m", 2)).NoThroughput);
        Assert.Contains("is fixed", Plan(RepresentativeSizes.Default, Tensor("a", OnnxElementType.Float32, 4, 2)).NoThroughput);
        Assert.Contains("inner dimension", Plan(RepresentativeSizes.Default, Tensor("a", OnnxElementType.Float32, "n", "n")).NoThroughput);
        Assert.Contains("scalar", Plan(RepresentativeSizes.Default, Tensor("k", OnnxElementType.Int64)).NoThroughput);
    }

    [Fact]
    public void A_scalar_input_stays_a_scalar_beside_a_batched_one()
    {
        var plan = Plan(RepresentativeSizes.Default, Tensor("x", OnnxElementType.Float32, "batch", 4), Tensor("k", OnnxElementType.Int64));

        Assert.Equal("batch", plan.BatchKey);
        Assert.Empty(plan.Tensors(ModelMeter.ThroughputBatch)["k"].Shape);
    }

    [Fact]
    public void Integers_stay_inside_their_type_and_the_bound()
    {
        var plan = Plan(new RepresentativeSizes { IntegerBound = 1000 }, Tensor("bytes", OnnxElementType.UInt8, "n", 512), Tensor("flags", OnnxElementType.Bool, "n", 8));

        Assert.Contains("integers in [0, 256)", plan.Inputs[0].Values);
        var values = plan.Tensors(1)["bytes"].Values<byte>().ToArray();
        Assert.Contains(values, v => v > 200);
    }

    [Fact]
    public void An_element_type_that_is_not_synthesized_or_a_size_too_large_makes_no_plan_and_says_why()
    {
        Assert.Null(InputPlan.TryCreate([Tensor("text", OnnxElementType.String, "n", 2)], RepresentativeSizes.Default, out var type));
        Assert.Contains("'text' (string", type);
        Assert.Null(InputPlan.TryCreate([Tensor("x", OnnxElementType.Float32, "n", "h", "w")],
            new RepresentativeSizes { Dimensions = new Dictionary<string, long> { ["h"] = 100_000, ["w"] = 100_000 } }, out var large));
        Assert.Contains("give smaller dims", large);
    }

    [Fact]
    public void Sizes_for_a_dimension_the_inputs_do_not_have_are_refused_naming_the_ones_they_have()
    {
        var error = Assert.Throws<ArgumentException>(() => InputPlan.TryCreate([Tensor("x", OnnxElementType.Float32, "n", "h")],
            new RepresentativeSizes { Dimensions = new Dictionary<string, long> { ["depth"] = 3 } }, out _));

        Assert.Contains("'depth'", error.Message);
        Assert.Contains("'n', 'h'", error.Message);
    }
}
