using Portal.Engine.Compression;

namespace Portal.Engine.Tests.Compression;

public class CompressorStreamTests
{
    [Fact]
    public async Task A_token_cancelled_before_the_job_starts_ends_the_stream_rather_than_leaving_it_waiting()
    {
        var train = CompressionFixtures.Blobs(20, seed: 11);
        var parent = await CompressionFixtures.Train(CompressionFixtures.Mlp, train, epochs: 1);
        var recipe = new UnstructuredPruningRecipe { Sparsity = 0.5, FineTuning = CompressionFixtures.Training(1) };
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        var reading = Task.Run(async () =>
        {
            await foreach (var e in new Compressor().Compress(new CompressionRequest(parent, recipe, train, train), cancel.Token))
                Assert.IsNotType<CompressionCompleted>(e);
        });

        var finished = await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.Same(reading, finished);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
    }
}
