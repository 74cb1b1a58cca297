using Portal.Engine.Data;
using Portal.Engine.Inference;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Tests.Onnx;

namespace Portal.Engine.Tests.Inference;

public sealed class InferenceModelTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("portal-inference-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Exported_model_loads_from_file_with_names_types_shapes_and_metadata()
    {
        var spec = ReadySpecs.FashionCnn;
        var path = Path.Combine(_folder, "cnn.onnx");
        File.WriteAllBytes(path, OnnxExporter.Export(spec, TorchReference.RandomWeights(spec, 1), new OnnxExportOptions { LineageId = "cnn/v1" }));

        using var model = InferenceModel.Load(path, new InferenceOptions { IntraOpThreads = 1 });
        Assert.Equal("cnn.onnx", model.Name);
        var input = Assert.Single(model.Inputs);
        Assert.Equal("input", input.Name);
        Assert.Equal(OnnxElementType.Float32, input.ElementType);
        Assert.Equal([OnnxDimension.Symbolic("batch"), OnnxDimension.Fixed(1), OnnxDimension.Fixed(28), OnnxDimension.Fixed(28)], input.Dimensions);
        Assert.Equal("[batch,10]", Assert.Single(model.Outputs).ShapeText);
        Assert.Equal("cnn/v1", model.Metadata[OnnxMetadataKeys.LineageId]);
        Assert.Equal(new BatchedFloatSignature("input", 784, "output", 10, null), model.BatchedFloat);
    }

    [Fact]
    public void Fast_path_writes_into_the_callers_buffer_and_matches_TorchSharp()
    {
        var spec = ReadySpecs.FashionMlp;
        var weights = TorchReference.RandomWeights(spec, 3);
        var standardization = TorchReference.Standardization(spec, StandardizationMode.PerFeature, 4);
        using var model = InferenceModel.Load(OnnxExporter.Export(spec, weights, new OnnxExportOptions { Standardization = standardization }));

        var output = new float[64 * 10 + 5];
        output.AsSpan().Fill(float.NaN);
        foreach (var batch in new[] { 1, 64, 3 })
        {
            var input = TorchReference.RandomFeatures(784 * batch, batch);
            var written = model.Run(input, batch, output);
            Assert.Equal(batch * 10, written);
            var expected = TorchReference.Forward(spec, weights, input, batch, standardization);
            Assert.True(TorchReference.MaxAbsDifference(output.AsSpan(0, written), expected) <= 1e-4f);
        }
        Assert.True(float.IsNaN(output[^1])); // nothing written past the batch's results
    }

    [Fact]
    public void Reused_buffers_are_read_afresh_on_every_call()
    {
        // The fast path binds a buffer once per thread and reuses the binding while the caller reuses the buffer.
        var spec = ReadySpecs.FashionMlp;
        var weights = TorchReference.RandomWeights(spec, 3);
        using var model = InferenceModel.Load(OnnxExporter.Export(spec, weights));
        var input = new float[784 * 2];
        var output = new float[20];
        var other = new float[784 * 2];
        for (var call = 0; call < 6; call++)
        {
            TorchReference.RandomFeatures(input.Length, call, -1f, 1f).CopyTo(input, 0);
            var buffer = call % 3 == 2 ? other : input; // now and then another buffer, then back
            if (buffer == other) input.CopyTo(other, 0);
            var batch = call % 2 == 0 ? 2 : 1;
            var written = model.Run(buffer.AsSpan(0, 784 * batch), batch, output);
            var expected = TorchReference.Forward(spec, weights, buffer[..(784 * batch)], batch);
            Assert.True(TorchReference.MaxAbsDifference(output.AsSpan(0, written), expected) <= 1e-4f, $"call {call}");
        }
    }

    [Fact]
    public void General_path_and_reused_output_tensors_agree_with_the_fast_path()
    {
        var spec = ReadySpecs.FashionCnn;
        using var model = InferenceModel.Load(OnnxExporter.Export(spec, TorchReference.RandomWeights(spec, 5)));
        var input = TorchReference.RandomFeatures(784 * 4, 9, -1f, 1f);
        var fast = model.Run(input, 4);

        var general = model.Run(new Dictionary<string, InferenceTensor> { ["input"] = InferenceTensor.Create(input, 4, 1, 28, 28) });
        Assert.Equal(fast, general["output"].Values<float>().ToArray());

        var reused = InferenceTensor.Create(new float[40], 4, 10);
        var outputs = new Dictionary<string, InferenceTensor> { ["output"] = reused };
        var inputs = new Dictionary<string, InferenceTensor> { ["input"] = InferenceTensor.Create(input.AsMemory(), 4, 1, 28, 28) };
        model.Run(inputs, outputs);
        Assert.Equal(fast, reused.Data.ToArray());
    }

    [Fact]
    public void Input_over_a_slice_of_a_larger_buffer_runs_without_copying_the_buffer()
    {
        var spec = ReadySpecs.FashionMlp;
        using var model = InferenceModel.Load(OnnxExporter.Export(spec, TorchReference.RandomWeights(spec, 2)));
        var pool = TorchReference.RandomFeatures(784 * 5, 3, -1f, 1f);
        var second = model.Run(new Dictionary<string, InferenceTensor> { ["input"] = InferenceTensor.Create(pool.AsMemory(784, 784), 1, 784) });
        Assert.Equal(model.Run(pool.AsSpan(784, 784), 1), second["output"].Values<float>().ToArray());
    }

    [Fact]
    public void Cpu_is_used_here_and_the_reason_is_reported()
    {
        var provider = InferenceModel.DescribeExecutionProvider();
        Assert.Equal("cpu", provider.Device);
        Assert.Contains("no CUDA execution provider", provider.Reason);
        Assert.Contains("CPUExecutionProvider", provider.Reason);

        var forced = InferenceModel.DescribeExecutionProvider(new InferenceOptions { PreferCuda = false });
        Assert.Equal(new ExecutionProviderInfo("cpu", "CPU requested by the inference options"), forced);

        using var model = InferenceModel.Load(ExternalModels.TwoInputSum());
        Assert.Equal(provider, model.ExecutionProvider);
    }

    [Fact]
    public void The_device_is_decided_once_and_every_later_session_reuses_the_decision()
    {
        var first = InferenceModel.DescribeExecutionProvider(new InferenceOptions { CudaDeviceId = 0 });

        Assert.Same(first, InferenceModel.DescribeExecutionProvider(new InferenceOptions { CudaDeviceId = 0, IntraOpThreads = 1 }));
        using var model = InferenceModel.Load(ExternalModels.TwoInputSum());
        Assert.Same(first, model.ExecutionProvider);
    }

    [Theory]
    [InlineData(GraphOptimization.None)]
    [InlineData(GraphOptimization.Basic)]
    [InlineData(GraphOptimization.Extended)]
    [InlineData(GraphOptimization.All)]
    public void Every_optimisation_level_gives_the_same_results(GraphOptimization level)
    {
        var spec = ReadySpecs.FashionCnn;
        var weights = TorchReference.RandomWeights(spec, 6);
        var options = new InferenceOptions { IntraOpThreads = 2, InterOpThreads = 1, Optimization = level };
        using var model = InferenceModel.Load(OnnxExporter.Export(spec, weights), options);
        Assert.Equal(options, model.Options);
        var input = TorchReference.RandomFeatures(784 * 2, 1, -1f, 1f);
        Assert.True(TorchReference.MaxAbsDifference(model.Run(input, 2), TorchReference.Forward(spec, weights, input, 2)) <= 1e-4f);
    }

    [Fact]
    public void Disposed_model_refuses_to_run()
    {
        var model = InferenceModel.Load(ExternalModels.MatMulAdd());
        model.Dispose();
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.Run(new float[4], 1));
    }
}
