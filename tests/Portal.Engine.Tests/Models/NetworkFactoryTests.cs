using Portal.Engine.Models;
using Portal.Engine.Platform;
using Portal.Engine.Weights;
using static TorchSharp.torch;

namespace Portal.Engine.Tests.Models;

[Collection(NativeRandomCollection.Name)]
public class NetworkFactoryTests
{
    public NetworkFactoryTests() => NativeRuntime.EnsureStarted();

    public static TheoryData<string, ModelSpec> EveryLayerType => new()
    {
        { "linear", new ModelSpec("t", [5], [new LinearLayer(3)]) },
        { "conv2d", new ModelSpec("t", [2, 7, 7], [new Conv2dLayer(3, 3, Stride: 2, Padding: 1)]) },
        { "maxpool2d", new ModelSpec("t", [2, 6, 6], [new MaxPool2dLayer(2)]) },
        { "avgpool2d", new ModelSpec("t", [2, 7, 7], [new AvgPool2dLayer(3, 2)]) },
        { "batchnorm1d", new ModelSpec("t", [4], [new BatchNorm1dLayer()]) },
        { "batchnorm2d", new ModelSpec("t", [3, 4, 4], [new BatchNorm2dLayer()]) },
        { "dropout", new ModelSpec("t", [6], [new DropoutLayer(0.5)]) },
        { "relu", new ModelSpec("t", [6], [new ReLULayer()]) },
        { "leakyrelu", new ModelSpec("t", [6], [new LeakyReLULayer(0.2)]) },
        { "gelu", new ModelSpec("t", [6], [new GELULayer()]) },
        { "tanh", new ModelSpec("t", [6], [new TanhLayer()]) },
        { "sigmoid", new ModelSpec("t", [6], [new SigmoidLayer()]) },
        { "flatten", new ModelSpec("t", [2, 3, 4], [new FlattenLayer()]) },
    };

    [Theory]
    [MemberData(nameof(EveryLayerType))]
    public void Network_output_shape_and_parameter_count_match_shape_inference(string kind, ModelSpec spec)
    {
        using var scope = NewDisposeScope();
        var report = spec.Infer();
        using var network = NetworkFactory.Build(spec);
        network.eval();

        var output = network.forward(randn([3, .. spec.InputShape.Select(d => (long)d)]));

        Assert.Equal(kind, report.Layers[0].Kind);
        Assert.Equal([3L, .. report.OutputShape.Select(d => (long)d)], output.shape);
        Assert.Equal(report.TotalParameters, network.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Activations_compute_their_textbook_functions()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { -2f, -0.5f, 0f, 1.5f });
        float[] Run(LayerSpec layer) => NetworkFactory.Build(new ModelSpec("a", [4], [layer])).forward(x.unsqueeze(0)).data<float>().ToArray();

        Assert.Equal([0f, 0f, 0f, 1.5f], Run(new ReLULayer()));
        Assert.Equal([-0.4f, -0.1f, 0f, 1.5f], Run(new LeakyReLULayer(0.2)), new FloatTolerance(1e-6f));
        Assert.Equal([MathF.Tanh(-2f), MathF.Tanh(-0.5f), 0f, MathF.Tanh(1.5f)], Run(new TanhLayer()), new FloatTolerance(1e-6f));
        Assert.Equal([1 / (1 + MathF.Exp(2f)), 1 / (1 + MathF.Exp(0.5f)), 0.5f, 1 / (1 + MathF.Exp(-1.5f))], Run(new SigmoidLayer()), new FloatTolerance(1e-6f));
        // GELU(x) = x·Φ(x), exact erf form: Φ(−2) = 0.0227501, Φ(−0.5) = 0.3085375, Φ(1.5) = 0.9331928.
        Assert.Equal([-2f * 0.0227501f, -0.5f * 0.3085375f, 0f, 1.5f * 0.9331928f], Run(new GELULayer()), new FloatTolerance(1e-5f));
    }

    [Fact]
    public void Pools_take_the_max_and_the_mean_of_each_window()
    {
        using var scope = NewDisposeScope();
        var x = arange(16, dtype: ScalarType.Float32).reshape(1, 1, 4, 4);

        var max = NetworkFactory.Build(new ModelSpec("p", [1, 4, 4], [new MaxPool2dLayer(2)])).forward(x);
        var avg = NetworkFactory.Build(new ModelSpec("p", [1, 4, 4], [new AvgPool2dLayer(2)])).forward(x);

        Assert.Equal([5f, 7f, 13f, 15f], max.data<float>().ToArray());
        Assert.Equal([2.5f, 4.5f, 10.5f, 12.5f], avg.data<float>().ToArray());
    }

    [Fact]
    public void Dropout_is_the_identity_in_eval_mode_and_zeroes_and_rescales_in_training()
    {
        using var scope = NewDisposeScope();
        var network = NetworkFactory.Build(new ModelSpec("d", [1000], [new DropoutLayer(0.5)]));
        var x = ones(1, 1000);

        network.eval();
        Assert.Equal(1000f, network.forward(x).sum().item<float>());
        network.train();
        var trained = network.forward(x).data<float>().ToArray();
        Assert.All(trained, v => Assert.True(v == 0f || v == 2f));
        Assert.InRange(trained.Count(v => v == 0f), 400, 600);
    }

    [Fact]
    public void Batch_norm_uses_batch_statistics_in_training_and_running_statistics_in_eval()
    {
        using var scope = NewDisposeScope();
        var network = NetworkFactory.Build(new ModelSpec("b", [2], [new BatchNorm1dLayer(Momentum: 1.0)]));
        var x = tensor(new float[] { 1, 10, 3, 20 }).reshape(2, 2);

        network.train();
        var normalised = network.forward(x).data<float>().ToArray();
        Assert.Equal([-1f, -1f, 1f, 1f], normalised, new FloatTolerance(1e-3f));

        network.eval();
        var weights = NetworkFactory.ExportWeights(network);
        Assert.Equal([2f, 15f], weights["0.running_mean"].Data);
        Assert.Equal([2f, 50f], weights["0.running_var"].Data, new FloatTolerance(1e-4f)); // unbiased: ((1-2)²+(3-2)²)/1, ((10-15)²+(20-15)²)/1
    }

    [Fact]
    public void Embeddings_start_at_one_over_the_root_of_their_width_with_the_padding_row_zero()
    {
        manual_seed(3);
        var spec = new ModelSpec("t", [8], [new EmbeddingLayer(4000, 64, PaddingIndex: 0)], new TokenInput(PaddingId: 0));

        var rows = ModelInitialization.Seeded(spec, 3)["0.weight"].Data;

        Assert.All(rows[..64], v => Assert.Equal(0f, v));
        var rest = rows[64..];
        var deviation = Math.Sqrt(rest.Sum(v => (double)v * v) / rest.Length);
        Assert.InRange(deviation, 0.95 / 8, 1.05 / 8);
    }

    [Fact]
    public void Weights_round_trip_through_export_and_import()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var source = NetworkFactory.Build(ReadySpecs.FashionCnn);
        var weights = NetworkFactory.ExportWeights(source);
        var target = NetworkFactory.Build(ReadySpecs.FashionCnn);

        NetworkFactory.ImportWeights(target, weights);

        source.eval();
        target.eval();
        var x = randn(2, 1, 28, 28);
        Assert.Equal(source.forward(x).data<float>().ToArray(), target.forward(x).data<float>().ToArray());
        Assert.Contains("1.running_var", weights.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void Importing_weights_of_the_wrong_shape_names_the_tensor()
    {
        using var scope = NewDisposeScope();
        var network = NetworkFactory.Build(new ModelSpec("m", [4], [new LinearLayer(2)]));
        var wrong = new ModelWeights([new NamedTensor("0.weight", [2, 5], new float[10]), new NamedTensor("0.bias", [2], new float[2])]);

        var error = Assert.Throws<ArgumentException>(() => NetworkFactory.ImportWeights(network, wrong));

        Assert.Contains("'0.weight'", error.Message);
        Assert.Contains("[2,4]", error.Message);
    }
}
