using Portal.Engine.Compression;
using Portal.Engine.Data;
using Portal.Engine.Inference;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Platform;
using Portal.Engine.Weights;

namespace Portal.Engine.Tests.Compression;

/// <summary>
/// Dynamic int8 of a small trained text transformer: MatMul/Gemm weights int8, their inputs quantised at run time,
/// the accuracy-driven fallback per weight matrix.
/// </summary>
[Collection(NativeRandomCollection.Name)]
public sealed class DynamicQuantizationTests : IClassFixture<DynamicQuantizationTests.Parent>
{
    /// <summary>The largest logit difference from float32 accepted, as a fraction of the largest float32 logit.</summary>
    private const float ToleranceOfLargestLogit = 0.05f;

    /// <summary>The encoder's weight matrices: attention in and out, the feed-forward pair, and the head.</summary>
    private static readonly string[] s_matrices =
    [
        "2.layers.0.self_attn.in_proj_weight_transposed", "2.layers.0.self_attn.out_proj.weight_transposed",
        "2.layers.0.linear1.weight_transposed", "2.layers.0.linear2.weight_transposed", "4.weight",
    ];

    private readonly Parent _parent;

    public DynamicQuantizationTests(Parent parent) => _parent = parent;

    [Fact]
    public async Task A_token_model_gets_dynamic_int8_that_onnx_runtime_fuses_the_checker_passes_and_stays_close_to_float()
    {
        var (result, events) = await CompressionFixtures.Compress(new CompressionRequest(_parent.Model, new QuantizationRecipe { TolerancePoints = 5 }, _parent.Train, _parent.Test));

        var outcome = result.Report.Quantization!;
        Assert.Equal(Int8WeightForm.DynamicName, outcome.Form);
        Assert.Equal(s_matrices, outcome.QuantizedWeights);
        Assert.Equal([2, 4], outcome.QuantizedLayers);
        Assert.Empty(outcome.Float32Layers);
        // The attention's in-projection runs inside QAttention, whose input DynamicQuantizeLinear quantises; every other matrix is a DynamicQuantizeMatMul.
        Assert.Equal(1, outcome.RuntimeOperators["QAttention"]);
        Assert.Equal(1, outcome.RuntimeOperators["DynamicQuantizeLinear"]);
        Assert.Equal(s_matrices.Length - 1, outcome.RuntimeOperators["DynamicQuantizeMatMul"]);
        Assert.False(outcome.RuntimeOperators.ContainsKey("MatMulInteger"));
        Assert.False(outcome.RuntimeOperators.ContainsKey("Softmax"));
        Assert.Contains(result.Report.Notes, n => n.Contains("com.microsoft operators (QAttention)", StringComparison.Ordinal) && n.Contains("runs on ONNX Runtime only", StringComparison.Ordinal));
        Assert.DoesNotContain(events, e => e is CompressionStageStarted { Stage: "calibrating" });
        CompressionFixtures.CheckWithOnnxChecker(result.Onnx);

        var graph = Engine.Onnx.Protobuf.ModelProto.Parser.ParseFrom(result.Onnx).Graph;
        foreach (var matrix in s_matrices)
        {
            var weight = Assert.Single(graph.Initializer, t => t.Name == $"{matrix}.int8");
            Assert.Equal((int)OnnxElementType.Int8, weight.DataType);
            Assert.All(weight.RawData.ToByteArray(), b => Assert.InRange((sbyte)b, -Int8WeightForm.Limit, Int8WeightForm.Limit));
            Assert.DoesNotContain(graph.Initializer, t => t.Name == matrix);
        }
        // The embedding is a lookup of rows and stays float32.
        Assert.Equal((int)OnnxElementType.Float32, Assert.Single(graph.Initializer, t => t.Name == "0.weight").DataType);

        var int8 = CompressionFixtures.Run(result.Onnx, _parent.Test);
        CompressionFixtures.AssertCloseToFloat32(_parent.Float32Logits, int8, ToleranceOfLargestLogit, $"on this CPU: {CpuFeatures.Current.Describe()}; int8 kernel path {Int8KernelPath.For(CpuFeatures.Current)}");
        Assert.True(result.Report.AccuracyChangePoints >= -5, $"accuracy change {result.Report.AccuracyChangePoints} points");
    }

    [Fact]
    public async Task Dynamic_int8_gives_the_same_logits_on_an_emulated_avx2_cpu_without_vnni_as_on_this_one()
    {
        var (result, _) = await CompressionFixtures.Compress(new CompressionRequest(_parent.Model, new QuantizationRecipe { TolerancePoints = 100 }, _parent.Train, _parent.Test));

        CompressionFixtures.AssertSameOnEmulatedAvx2(result.Onnx, _parent.Test, _parent.Float32Logits, ToleranceOfLargestLogit);
    }

    [Fact]
    public async Task An_int8_child_with_onnx_runtimes_attention_loads_as_served_and_the_batch_independence_check_judges_it()
    {
        // Attention over float sequences: the one input is float [batch, 7, 8], which the check runs alone and batched.
        var spec = new ModelSpec("float-attention", [7, 8], [new MultiHeadAttentionLayer(2), new SequencePoolLayer(), new LinearLayer(4)]);
        var parent = new TrainedModel(spec, ModelInitialization.Seeded(spec, 1), null, ["a", "b", "c", "d"]);
        var random = new Random(5);
        var data = new Dataset("sequences", [.. Enumerable.Range(0, 16 * 56).Select(_ => (float)random.NextDouble() - 0.5f)], [7, 8], [.. Enumerable.Range(0, 16).Select(i => i % 4)], ["a", "b", "c", "d"]);

        var (result, _) = await CompressionFixtures.Compress(new CompressionRequest(parent, new QuantizationRecipe { Activations = Int8Activations.Dynamic, TolerancePoints = 100 }, data, data));
        Assert.Equal(1, result.Report.Quantization!.RuntimeOperators["QAttention"]);
        using var served = InferenceModel.Load(result.Onnx, new InferenceOptions { PreferCuda = false, IntraOpThreads = 1 }, "int8 child");
        var check = BatchIndependenceCheck.Run(served);

        // Dynamic int8 takes each activation's scale over the whole batch, so a row's answer depends on its neighbours.
        Assert.True(check.Outcome == BatchIndependenceOutcome.Failed, $"{check.Outcome}: {check.Reason}");
    }

    [Fact]
    public async Task A_weight_matrix_whose_int8_form_costs_accuracy_stays_float32_with_the_reason()
    {
        // The head gets one weight a thousand times its largest, the same for every class: the float32 model's argmax is
        // unchanged, but one scale for the whole matrix rounds every other head weight to zero, so in int8 every class scores alike.
        var head = _parent.Model.Weights["4.weight"];
        var planted = head.Data.ToArray();
        var outlier = 1000 * planted.Max(MathF.Abs);
        for (var c = 0; c < head.Shape[0]; c++) planted[c * head.Shape[1]] = outlier;
        var weights = new ModelWeights(_parent.Model.Weights.Tensors.Select(t => t.Name == "4.weight" ? t with { Data = planted } : t));
        var parent = _parent.Model with { Weights = weights };

        var (result, _) = await CompressionFixtures.Compress(new CompressionRequest(parent, new QuantizationRecipe { TolerancePoints = 1 }, _parent.Train, _parent.Test));

        var outcome = result.Report.Quantization!;
        var kept = Assert.Single(outcome.Float32Layers);
        Assert.Equal(("4.weight", 4, "linear"), (kept.Weight, kept.LayerIndex, kept.Kind));
        Assert.Contains("points below the parent's", kept.Reason);
        Assert.Contains("keeping weight 4.weight (layer 4, linear) in float32 recovered the most", kept.Reason);
        Assert.True(kept.AccuracyAfter > kept.AccuracyBefore);
        Assert.True(outcome.MetTolerance);
        Assert.True(outcome.FullyQuantizedAccuracy < result.Report.Parent.TestAccuracy - 0.2, $"fully int8 {outcome.FullyQuantizedAccuracy}, parent {result.Report.Parent.TestAccuracy}");
        Assert.Equal(s_matrices[..^1], outcome.QuantizedWeights);
        Assert.Equal(1, outcome.RuntimeOperators["QAttention"]);
        Assert.Equal(s_matrices.Length - 2, outcome.RuntimeOperators["DynamicQuantizeMatMul"]);
        Assert.Equal(1, outcome.RuntimeOperators["Gemm"]);
        Assert.True(result.Report.AccuracyChangePoints >= -1, $"accuracy change {result.Report.AccuracyChangePoints} points");
    }

    [Fact]
    public async Task A_layer_named_float32_by_the_recipe_keeps_every_weight_matrix_it_holds()
    {
        var recipe = new QuantizationRecipe { Float32Layers = [2], TolerancePoints = 100 };

        var (result, _) = await CompressionFixtures.Compress(new CompressionRequest(_parent.Model, recipe, _parent.Train, _parent.Test));

        var outcome = result.Report.Quantization!;
        Assert.Equal(s_matrices[..4], outcome.Float32Layers.Select(f => f.Weight));
        Assert.All(outcome.Float32Layers, f => Assert.Equal((2, "named float32 by the recipe"), (f.LayerIndex, f.Reason)));
        Assert.Equal(["4.weight"], outcome.QuantizedWeights);
        Assert.Equal(1, outcome.RuntimeOperators["DynamicQuantizeMatMul"]);
        // The float32 layer keeps ONNX Runtime's fused attention, in float32.
        Assert.Equal(1, outcome.RuntimeOperators["Attention"]);
        Assert.False(outcome.RuntimeOperators.ContainsKey("QAttention"));
        var int8 = CompressionFixtures.Run(result.Onnx, _parent.Test);
        CompressionFixtures.AssertCloseToFloat32(_parent.Float32Logits, int8, ToleranceOfLargestLogit, $"on this CPU: {CpuFeatures.Current.Describe()}");
    }

    [Fact]
    public async Task A_float32_layer_without_weight_matrices_is_named()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => CompressionFixtures.Compress(
            new CompressionRequest(_parent.Model, new QuantizationRecipe { Float32Layers = [3] }, _parent.Train, _parent.Test)));

        Assert.Contains("Float32 layer 3 holds no weight matrix of 'tiny-encoder'; the layers that do are 2, 4", error.Message);
    }

    [Fact]
    public async Task Dynamic_activations_can_be_chosen_for_an_mlp_on_features()
    {
        var train = CompressionFixtures.Blobs(40, seed: 21);
        var parent = await CompressionFixtures.Train(CompressionFixtures.Mlp, train);

        var (result, _) = await CompressionFixtures.Compress(new CompressionRequest(parent, new QuantizationRecipe { Activations = Int8Activations.Dynamic, TolerancePoints = 100 }, train, CompressionFixtures.Blobs(20, seed: 22)));

        Assert.Equal(Int8WeightForm.DynamicName, result.Report.Quantization!.Form);
        Assert.Equal([0, 2, 4], result.Report.Quantization.QuantizedLayers);
        Assert.Equal(3, result.Report.Quantization.RuntimeOperators["DynamicQuantizeMatMul"]);
        CompressionFixtures.CheckWithOnnxChecker(result.Onnx);
    }

    [Fact]
    public void Calibrated_activations_for_a_token_model_are_refused_naming_the_embedding()
    {
        var data = MarkerSentences.Generate(6, seed: 1);

        var error = Assert.Throws<ArgumentException>(() => Compressor.Validate(
            new CompressionRequest(_parent.Model, new QuantizationRecipe { Activations = Int8Activations.Calibrated }, data, data)));

        Assert.Contains("Layer 0 (embedding) of 'tiny-encoder' cannot be quantized", error.Message);
    }

    [Fact]
    public void Dynamic_activations_for_a_spec_without_weight_matrices_are_refused()
    {
        var spec = new ModelSpec("conv-only", [1, 4, 4], [new Conv2dLayer(4, 4), new FlattenLayer()]);
        var parent = new TrainedModel(spec, ModelInitialization.Seeded(spec, 1), null, ["a", "b", "c", "d"]);
        var data = new Dataset("squares", new float[8 * 16], [1, 4, 4], [0, 1, 2, 3, 0, 1, 2, 3], ["a", "b", "c", "d"]);

        var error = Assert.Throws<ArgumentException>(() => Compressor.Validate(
            new CompressionRequest(parent, new QuantizationRecipe { Activations = Int8Activations.Dynamic }, data, data)));

        Assert.Contains("Model 'conv-only' has no linear, attention or transformer-encoder layer", error.Message);
    }

    /// <summary>The tiny encoder trained on marker sentences, its test sentences and its float32 logits on them.</summary>
    public sealed class Parent : IAsyncLifetime
    {
        public Dataset Train { get; } = MarkerSentences.Generate(240, seed: 1);

        public Dataset Test { get; } = MarkerSentences.Generate(300, seed: 2);

        public TrainedModel Model { get; private set; } = null!;

        public float[] Float32Logits { get; private set; } = [];

        public async Task InitializeAsync()
        {
            Model = await CompressionFixtures.TrainEncoder(Train);
            Float32Logits = CompressionFixtures.Run(OnnxExporter.Export(Model.Spec, Model.Weights), Test);
        }

        public Task DisposeAsync() => Task.CompletedTask;
    }
}
