using Portal.Engine.Models;
using Portal.Engine.Platform;
using Portal.Engine.Training;

namespace Portal.Engine.Tests.Training;

public sealed class TrainingThreadsTests
{
    private static RuntimeInfo Runtime(int threads, bool configured) => new("cpu", "test", threads, configured, true, null, "passive");

    private static readonly ModelSpec s_tabular = new("tabular", [30], [new LinearLayer(16), new ReLULayer(), new LinearLayer(2)]);

    [Fact]
    public void A_batch_of_tiny_layers_trains_on_one_thread_and_fashion_mlp_and_fashion_cnn_on_every_core()
    {
        Assert.Equal(1, TrainingThreads.For(s_tabular, 128, Runtime(4, configured: false)));
        Assert.Equal(4, TrainingThreads.For(ReadySpecs.FashionMlp, 128, Runtime(4, configured: false)));
        Assert.Equal(4, TrainingThreads.For(ReadySpecs.FashionCnn, 128, Runtime(4, configured: false)));
        // The same tiny layers in a batch large enough to split.
        Assert.Equal(4, TrainingThreads.For(s_tabular, 16384, Runtime(4, configured: false)));
    }

    [Fact]
    public void Threads_set_in_the_configuration_are_kept()
    {
        Assert.Equal(3, TrainingThreads.For(ReadySpecs.FashionMlp, 128, Runtime(3, configured: true)));
    }

    [Fact]
    public void The_costliest_layer_of_fashion_cnn_is_its_second_convolution()
    {
        Assert.Equal(64.0 * 32 * 3 * 3 * 14 * 14, TrainingCost.LargestLayerMultiplyAdds(ReadySpecs.FashionCnn));
        Assert.Equal(784.0 * 256, TrainingCost.LargestLayerMultiplyAdds(ReadySpecs.FashionMlp));
    }

    [Fact]
    public void Convolutions_inside_residual_blocks_count_towards_the_cost()
    {
        // The stem's 1→32 convolution is the only top-level one; the stages' 3×3 convolutions cost 32 times more.
        Assert.Equal(128.0 * 128 * 3 * 3 * 7 * 7, TrainingCost.LargestLayerMultiplyAdds(ReadySpecs.FashionResnet));
    }
}
