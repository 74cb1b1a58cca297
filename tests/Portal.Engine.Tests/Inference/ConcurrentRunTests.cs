using Portal.Engine.Inference;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Tests.Onnx;

namespace Portal.Engine.Tests.Inference;

public sealed class ConcurrentRunTests
{
    [Fact]
    public void Many_threads_running_one_model_each_get_their_own_results()
    {
        var spec = ReadySpecs.FashionMlp;
        using var model = InferenceModel.Load(OnnxExporter.Export(spec, TorchReference.RandomWeights(spec, 2)), new InferenceOptions { IntraOpThreads = 1 });
        const int Samples = 32;
        var inputs = Enumerable.Range(0, Samples).Select(i => TorchReference.RandomFeatures(784, i, -1f, 1f)).ToArray();
        var expected = inputs.Select(x => model.Run(x, 1)).ToArray();

        var failures = 0;
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 16 }, worker =>
        {
            var output = new float[10];
            for (var call = 0; call < 200; call++)
            {
                var sample = (worker * 7 + call) % Samples;
                float[] got;
                if (call % 2 == 0)
                {
                    model.Run(inputs[sample], 1, output);
                    got = output;
                }
                else
                {
                    got = model.Run(new Dictionary<string, InferenceTensor> { ["input"] = InferenceTensor.Create(inputs[sample], 1, 784) })["output"].Values<float>().ToArray();
                }
                if (!got.AsSpan().SequenceEqual(expected[sample])) Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
    }

    [Fact]
    public async Task Dispose_while_others_run_waits_for_them_and_later_runs_are_refused()
    {
        var model = InferenceModel.Load(ExternalModels.MatMulAdd());
        var input = new float[4 * 256];
        var completed = 0;
        var refused = 0;
        using var started = new CountdownEvent(4);
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            started.Signal();
            var output = new float[3 * 256];
            while (true) // until the model is disposed
            {
                try
                {
                    model.Run(input, 256, output);
                    Interlocked.Increment(ref completed);
                }
                catch (ObjectDisposedException)
                {
                    Interlocked.Increment(ref refused);
                    return;
                }
            }
        })).ToArray();
        started.Wait();
        await Task.Delay(50);
        model.Dispose();
        await Task.WhenAll(workers);
        Assert.True(completed > 0);
        Assert.Equal(4, refused);
    }
}
