using Portal.Engine.Models;

namespace Portal.Engine.Tests.Models;

public class ModelSpecTests
{
    [Fact]
    public void Ready_mlp_has_the_parameters_of_784_256_128_10()
    {
        var report = ReadySpecs.FashionMlp.Infer();

        Assert.Equal(784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10, report.TotalParameters);
        Assert.Equal([10], report.OutputShape);
    }

    [Fact]
    public void A_layer_type_written_after_its_settings_is_still_read()
    {
        var spec = ModelSpec.FromJson("""{"name":"late-type","inputShape":[4],"layers":[{"outFeatures":3,"type":"linear"},{"type":"relu"}]}""");

        Assert.Equal(new LinearLayer(3), spec.Layers[0]);
        Assert.IsType<ReLULayer>(spec.Layers[1]);
    }

    [Fact]
    public void Ready_cnn_has_two_conv_blocks_and_about_225k_parameters()
    {
        var report = ReadySpecs.FashionCnn.Infer();

        long expected = (32 * 1 * 9 + 32) + 2 * 32 + (64 * 32 * 9 + 64) + 2 * 64 + (64 * 7 * 7 * 64 + 64) + (64 * 10 + 10);
        Assert.Equal(expected, report.TotalParameters);
        Assert.InRange(report.TotalParameters, 215_000, 235_000);
        Assert.Equal(2, ReadySpecs.FashionCnn.Layers.Count(l => l is Conv2dLayer));
        Assert.Equal([64, 7, 7], report.Layers.Single(l => l.Kind == "flatten").InputShape);
    }

    [Fact]
    public void Parameters_are_counted_per_layer()
    {
        var report = new ModelSpec("m", [3, 8, 8],
        [
            new Conv2dLayer(4, 3, Stride: 2, Padding: 1, Bias: false), new BatchNorm2dLayer(), new AvgPool2dLayer(2), new FlattenLayer(),
            new LinearLayer(5), new BatchNorm1dLayer(), new LinearLayer(2, Bias: false),
        ]).Infer();

        Assert.Equal([108L, 8, 0, 0, 85, 10, 10], report.Layers.Select(l => l.Parameters));
        Assert.Equal([4, 4, 4], report.Layers[0].OutputShape);
        Assert.Equal([4, 2, 2], report.Layers[2].OutputShape);
    }

    [Fact]
    public void Spec_round_trips_through_json()
    {
        foreach (var spec in ReadySpecs.All)
        {
            var json = spec.ToJson();
            var back = ModelSpec.FromJson(json);

            Assert.Equal(spec, back);
            Assert.Equal(json, back.ToJson());
        }
    }

    [Fact]
    public void Every_layer_type_round_trips_with_its_settings()
    {
        var spec = new ModelSpec("all", [2, 6, 6],
        [
            new Conv2dLayer(3, 3, 1, 1, false), new BatchNorm2dLayer(1e-3, 0.2), new MaxPool2dLayer(2, 1), new AvgPool2dLayer(2),
            new LeakyReLULayer(0.2), new GELULayer(), new TanhLayer(), new SigmoidLayer(), new FlattenLayer(),
            new LinearLayer(4), new BatchNorm1dLayer(), new ReLULayer(), new DropoutLayer(0.3), new LinearLayer(2),
        ]);

        Assert.Equal(spec, ModelSpec.FromJson(spec.ToJson()));
        Assert.Contains("\"type\": \"leakyrelu\"", spec.ToJson());
    }

    [Fact]
    public void Linear_after_conv_without_flatten_names_the_layer_and_both_shapes()
    {
        var spec = new ModelSpec("bad", [1, 28, 28], [new Conv2dLayer(8, 3), new LinearLayer(10)]);

        var error = Assert.Throws<ModelSpecException>(() => spec.Infer());

        Assert.Contains("layers[1] (linear)", error.Message);
        Assert.Contains("[8,26,26]", error.Message);
        Assert.Contains("[features]", error.Message);
    }

    [Fact]
    public void Kernel_larger_than_the_image_is_refused_naming_the_layer()
    {
        var spec = new ModelSpec("bad", [1, 4, 4], [new Conv2dLayer(2, 3), new MaxPool2dLayer(3)]);

        var error = Assert.Throws<ModelSpecException>(() => spec.Infer());

        Assert.Contains("layers[1] (maxpool2d)", error.Message);
        Assert.Contains("[2,2,2]", error.Message);
    }

    [Fact]
    public void Conv_on_flat_input_names_the_expected_and_received_shapes()
    {
        var error = Assert.Throws<ModelSpecException>(() => new ModelSpec("bad", [784], [new Conv2dLayer(8, 3)]).Infer());

        Assert.Contains("layers[0] (conv2d)", error.Message);
        Assert.Contains("[channels, height, width]", error.Message);
        Assert.Contains("[784]", error.Message);
    }

    [Theory]
    [InlineData("{\"name\":\"x\",\"inputShape\":[4],\"layers\":[{\"type\":\"transformer\"}]}", "unknown layer type")]
    [InlineData("{\"name\":\"x\",\"inputShape\":[4],\"layers\":[{\"type\":\"linear\",\"outFeatures\":0}]}", "outFeatures must be positive")]
    [InlineData("{\"name\":\"x\",\"inputShape\":[4],\"layers\":[]}", "has no layers")]
    [InlineData("{\"name\":\"x\",\"inputShape\":[0],\"layers\":[{\"type\":\"relu\"}]}", "input shape [0]")]
    [InlineData("{\"name\":\"x\",\"inputShape\":[4],\"layers\":[{\"type\":\"dropout\",\"p\":1.5}]}", "p must be in [0, 1)")]
    [InlineData("not json", "not valid JSON")]
    public void Bad_spec_json_fails_with_a_message_that_names_the_problem(string json, string expected)
    {
        var error = Assert.Throws<ModelSpecException>(() => ModelSpec.FromJson(json));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Unknown_ready_spec_lists_the_ready_ones()
    {
        var error = Assert.Throws<ModelSpecException>(() => ReadySpecs.Get("resnet"));

        Assert.Contains("fashion-mlp", error.Message);
        Assert.Same(ReadySpecs.FashionCnn, ReadySpecs.Get("fashion-cnn"));
    }
}
