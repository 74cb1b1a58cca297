using Portal.Engine.Models;
using Portal.Engine.Platform;
using Portal.Engine.Training;

namespace Portal.Engine.Tests.Training;

public sealed class TrainingThreadsTests
{
    private static RuntimeInfo Runtime(int threads, bool configured) => new("cpu", "test", threads, configured, true, null, "passive");

    [Fact]
    public void A_batch_of_small_layers_trains_on_one_thread_and_one_of_large_convolutions_on_every_core()
    {
        Assert.Equal(1, TrainingThreads.For(ReadySpecs.FashionMlp, 128, Runtime(4, configured: false)));
        Assert.Equal(4, TrainingThreads.For(ReadySpecs.FashionCnn, 128, Runtime(4, configured: false)));
        // The same layers in a batch large enough to split.
        Assert.Equal(4, TrainingThreads.For(ReadySpecs.FashionMlp, 1024, Runtime(4, configured: false)));
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
}
