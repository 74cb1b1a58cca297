using Portal.Engine.Compression;
using Portal.Engine.Data;
using Portal.Engine.Onnx;
using Portal.Engine.Platform;
using Portal.Engine.Tests.Platform;

namespace Portal.Engine.Tests.Compression;

/// <summary>
/// The int8 graph Portal writes gives the float32 model's answers on the CPU at hand and on an emulated CPU whose
/// int8 kernels saturate pair sums (AVX2 without VNNI), whichever of the two this machine is.
/// </summary>
[Collection(NativeRandomCollection.Name)]
public sealed class Int8AcrossCpusTests : IClassFixture<Int8AcrossCpusTests.Graphs>
{
    /// <summary>The largest logit difference from float32 accepted, as a fraction of the largest float32 logit.</summary>
    private const float ToleranceOfLargestLogit = 0.05f;

    private readonly Graphs _graphs;

    public Int8AcrossCpusTests(Graphs graphs) => _graphs = graphs;

    [Fact]
    public void Int8_graph_stays_within_five_percent_of_the_float32_logits_on_the_cpu_at_hand()
    {
        var int8 = CompressionFixtures.Run(_graphs.Int8, _graphs.Test);

        CompressionFixtures.AssertCloseToFloat32(_graphs.Float32Logits, int8, ToleranceOfLargestLogit, $"on this CPU: {CpuFeatures.Current.Describe()}; int8 kernel path {Int8KernelPath.For(CpuFeatures.Current)}");
    }

    [Fact]
    public void Int8_graph_gives_the_same_logits_on_an_emulated_avx2_cpu_without_vnni_as_on_this_one() =>
        CompressionFixtures.AssertSameOnEmulatedAvx2(_graphs.Int8, _graphs.Test, _graphs.Float32Logits, ToleranceOfLargestLogit);

    [Fact]
    public void Every_int8_weight_written_is_held_to_seven_bits()
    {
        var graph = Engine.Onnx.Protobuf.ModelProto.Parser.ParseFrom(_graphs.Int8).Graph;
        var weights = graph.Initializer.Where(t => t.Name.EndsWith(".weight.int8", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(weights);
        Assert.All(weights, w => Assert.All(w.RawData.ToByteArray(), b => Assert.InRange((sbyte)b, -Int8WeightForm.Limit, Int8WeightForm.Limit)));
        Assert.Contains(weights, w => w.RawData.Any(b => Math.Abs((sbyte)b) == Int8WeightForm.Limit));
    }

    /// <summary>A tiny CNN whose two convolutions and two linear layers are all int8, and its float32 logits.</summary>
    public sealed class Graphs : IAsyncLifetime
    {
        public byte[] Int8 { get; private set; } = [];

        public float[] Float32Logits { get; private set; } = [];

        public Dataset Test { get; } = CompressionFixtures.Images(25, seed: 12);

        public async Task InitializeAsync()
        {
            var train = CompressionFixtures.Images(50, seed: 11);
            var parent = await CompressionFixtures.Train(CompressionFixtures.Cnn, train, standardization: StandardizationMode.PerChannel);
            var (result, _) = await CompressionFixtures.Compress(new CompressionRequest(parent, new QuantizationRecipe { CalibrationSamples = 100 }, train, Test));
            Assert.Equal([0, 4, 8, 11], result.Report.Quantization!.QuantizedLayers);
            Int8 = result.Onnx;
            Float32Logits = CompressionFixtures.Run(OnnxExporter.Export(parent.Spec, parent.Weights, new OnnxExportOptions { Standardization = parent.Standardization }), Test);
        }

        public Task DisposeAsync() => Task.CompletedTask;
    }
}
