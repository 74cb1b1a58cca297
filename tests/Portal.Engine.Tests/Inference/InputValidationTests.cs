using Portal.Engine.Inference;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Tests.Onnx;

namespace Portal.Engine.Tests.Inference;

/// <summary>Every bad tensor or file is refused with a message naming the input and what was expected.</summary>
public sealed class InputValidationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("portal-validation-").FullName;
    private readonly InferenceModel _mlp;

    public InputValidationTests()
    {
        var spec = ReadySpecs.FashionMlp;
        _mlp = InferenceModel.Load(OnnxExporter.Export(spec, TorchReference.RandomWeights(spec, 1)), name: "fashion-mlp");
    }

    public void Dispose()
    {
        _mlp.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Unknown_input_name_lists_the_inputs_the_model_has()
    {
        var e = Assert.Throws<InferenceInputException>(() => _mlp.Run(One("pixels", InferenceTensor.Create(new float[784], 1, 784))));
        Assert.Equal("Model 'fashion-mlp' has no input 'pixels'; its inputs are 'input' (float32 [batch,784]).", e.Message);
    }

    [Fact]
    public void Missing_input_is_named()
    {
        using var model = InferenceModel.Load(ExternalModels.TwoInputSum());
        var e = Assert.Throws<InferenceInputException>(() => model.Run(One("a", InferenceTensor.Create(new float[2], 1, 2))));
        Assert.Equal("Input 'b' (float32 [batch,2]) of model 'two_inputs' is required but was not given.", e.Message);
    }

    [Fact]
    public void Wrong_rank_names_input_and_both_shapes()
    {
        var e = Assert.Throws<InferenceInputException>(() => _mlp.Run(One("input", InferenceTensor.Create(new float[784], 784))));
        Assert.Equal("Input 'input' of model 'fashion-mlp' expects rank 2 [batch,784] but was given rank 1 [784].", e.Message);
    }

    [Fact]
    public void Wrong_element_type_names_input_and_both_types()
    {
        var e = Assert.Throws<InferenceInputException>(() => _mlp.Run(One("input", InferenceTensor.Create(new long[784], 1, 784))));
        Assert.Equal("Input 'input' of model 'fashion-mlp' expects float32 [batch,784] but was given int64 [1,784].", e.Message);

        using var embedding = InferenceModel.Load(ExternalModels.EmbeddingLookup());
        var f = Assert.Throws<InferenceInputException>(() => embedding.Run(One("ids", InferenceTensor.Create(new int[3], 1, 3))));
        Assert.Equal("Input 'ids' of model 'embedding' expects int64 [batch,3] but was given int32 [1,3].", f.Message);
    }

    [Fact]
    public void Element_count_mismatch_names_input_shape_and_count()
    {
        var e = Assert.Throws<InferenceInputException>(() => _mlp.Run(One("input", InferenceTensor.Create(new float[700], 1, 784))));
        Assert.Equal("Input 'input' of model 'fashion-mlp' was given shape [1,784] (784 values) but 700 values.", e.Message);

        var fast = Assert.Throws<InferenceInputException>(() => _mlp.Run(new float[784 * 2 - 1], 2, new float[20]));
        Assert.Equal("Input 'input' (float32 [batch,784]) of model 'fashion-mlp': 2 samples need 1568 values but 1567 were given.", fast.Message);
    }

    [Fact]
    public void Fixed_dimension_mismatch_names_the_dimension()
    {
        var e = Assert.Throws<InferenceInputException>(() => _mlp.Run(One("input", InferenceTensor.Create(new float[783], 1, 783))));
        Assert.Equal("Input 'input' of model 'fashion-mlp' expects [batch,784] but was given [1,783]: dimension 1 must be 784.", e.Message);
    }

    [Fact]
    public void Empty_or_negative_dimensions_are_refused()
    {
        var e = Assert.Throws<InferenceInputException>(() => _mlp.Run(One("input", InferenceTensor.Create(Array.Empty<float>(), 0, 784))));
        Assert.Contains("dimension 0 is 0, every dimension must be positive", e.Message);
        Assert.Throws<InferenceInputException>(() => _mlp.Run(One("input", InferenceTensor.Create(new float[784], -1, -784))));
        var batch = Assert.Throws<InferenceInputException>(() => _mlp.Run(ReadOnlySpan<float>.Empty, 0, new float[10]));
        Assert.Contains("batch must be positive, not 0", batch.Message);
    }

    [Fact]
    public void Symbolic_dimension_bound_differently_by_two_inputs_is_refused()
    {
        using var model = InferenceModel.Load(ExternalModels.TwoInputSum());
        var e = Assert.Throws<InferenceInputException>(() => model.Run(new Dictionary<string, InferenceTensor>
        {
            ["a"] = InferenceTensor.Create(new float[4], 2, 2),
            ["b"] = InferenceTensor.Create(new float[6], 3, 2),
        }));
        Assert.Equal("Input 'b' of model 'two_inputs' was given [3,2], setting 'batch' = 3, but 'a' set 'batch' = 2.", e.Message);
    }

    [Fact]
    public void Output_buffer_too_small_or_of_the_wrong_shape_is_refused()
    {
        var small = Assert.Throws<InferenceInputException>(() => _mlp.Run(new float[784 * 2], 2, new float[19]));
        Assert.Equal("Output 'output' (float32 [batch,10]) of model 'fashion-mlp': 2 samples give 20 values but the buffer holds 19.", small.Message);

        var wrongBatch = Assert.Throws<InferenceInputException>(() => _mlp.Run(
            One("input", InferenceTensor.Create(new float[784 * 2], 2, 784)),
            One("output", InferenceTensor.Create(new float[10], 1, 10))));
        Assert.Equal("Output buffer 'output' of model 'fashion-mlp' was given [1,10], setting 'batch' = 1, but 'input' set 'batch' = 2.", wrongBatch.Message);

        var unknown = Assert.Throws<InferenceInputException>(() => _mlp.Run(
            One("input", InferenceTensor.Create(new float[784], 1, 784)),
            One("logits", InferenceTensor.Create(new float[10], 1, 10))));
        Assert.Equal("Model 'fashion-mlp' has no output 'logits'; its outputs are 'output' (float32 [batch,10]).", unknown.Message);
    }

    [Fact]
    public void Fast_path_on_a_model_of_another_shape_says_why_it_cannot()
    {
        using var model = InferenceModel.Load(ExternalModels.TwoInputSum());
        var e = Assert.Throws<InvalidOperationException>(() => model.Run(new float[2], 1));
        Assert.Equal("Model 'two_inputs' cannot use the batched float run: the model has 2 inputs, not one. Use Run(inputs).", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_ONNX_is_refused()
    {
        var text = Path.Combine(_folder, "notes.onnx");
        File.WriteAllText(text, "this is a text file, not a model\n");
        var e = Assert.Throws<OnnxFormatException>(() => InferenceModel.Load(text));
        Assert.StartsWith($"File '{text}' (33 bytes) is not an ONNX model", e.Message);

        var random = new byte[4096];
        new Random(7).NextBytes(random);
        Assert.Throws<OnnxFormatException>(() => InferenceModel.Load(random));

        var empty = Path.Combine(_folder, "empty.onnx");
        File.WriteAllBytes(empty, []);
        Assert.Equal($"File '{empty}' is empty (0 bytes), not an ONNX model.", Assert.Throws<OnnxFormatException>(() => InferenceModel.Load(empty)).Message);

        var missing = Assert.Throws<OnnxFormatException>(() => InferenceModel.Load(Path.Combine(_folder, "absent.onnx")));
        Assert.StartsWith("Cannot read ONNX file", missing.Message);
    }

    [Fact]
    public void A_truncated_file_is_refused_wherever_it_is_cut()
    {
        var spec = ReadySpecs.FashionCnn;
        var bytes = OnnxExporter.Export(spec, TorchReference.RandomWeights(spec, 1), new OnnxExportOptions { LineageId = "x" });
        var path = Path.Combine(_folder, "cut.onnx");
        foreach (var fraction in new[] { 0.001, 0.1, 0.5, 0.9, 0.999 })
        {
            var length = (int)(bytes.Length * fraction);
            File.WriteAllBytes(path, bytes[..length]);
            var e = Assert.Throws<OnnxFormatException>(() => InferenceModel.Load(path));
            Assert.Contains($"File '{path}'", e.Message);
        }
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var half = Assert.Throws<OnnxFormatException>(() => InferenceModel.Load(path));
        Assert.Contains($"is truncated: {bytes.Length / 2} bytes end inside a field of the model", half.Message);
    }

    [Fact]
    public void Every_prefix_of_a_small_model_is_refused_without_crashing()
    {
        var bytes = ExternalModels.SoftmaxWithLabel();
        for (var length = 0; length < bytes.Length; length++)
        {
            // A cut at a field boundary can still parse; then the envelope or ONNX Runtime refuses it.
            Assert.Throws<OnnxFormatException>(() => InferenceModel.Load(bytes[..length]));
        }
        using var whole = InferenceModel.Load(bytes);
    }

    [Fact]
    public void A_graph_ONNX_Runtime_cannot_load_is_refused_with_its_reason()
    {
        var e = Assert.Throws<OnnxFormatException>(() => InferenceModel.Load(ExternalModels.UnknownOperator(), name: "odd"));
        Assert.StartsWith("ONNX Runtime refused model 'odd':", e.Message);
        Assert.Contains("NoSuchOperator", e.Message);
    }

    private static Dictionary<string, InferenceTensor> One(string name, InferenceTensor tensor) => new() { [name] = tensor };
}
