using System.Diagnostics;
using Portal.Engine.Compression;
using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Inference;
using Portal.Engine.Models;
using Portal.Engine.Training;

namespace Portal.Engine.Tests.Compression;

/// <summary>Tiny models and data for compression tests: each test runs in seconds.</summary>
internal static class CompressionFixtures
{
    public static readonly ModelSpec Mlp = new("tiny-mlp", [6], [new LinearLayer(32), new ReLULayer(), new LinearLayer(16), new ReLULayer(), new LinearLayer(4)]);

    /// <summary>Both convolutions are deep enough (input channels × 3² ≥ 32) to run as int8 kernels.</summary>
    public static readonly ModelSpec Cnn = new("tiny-cnn", [4, 8, 8],
    [
        new Conv2dLayer(8, 3, Padding: 1), new BatchNorm2dLayer(), new ReLULayer(), new MaxPool2dLayer(2),
        new Conv2dLayer(8, 3, Padding: 1), new BatchNorm2dLayer(), new ReLULayer(),
        new FlattenLayer(),
        new LinearLayer(16), new ReLULayer(), new DropoutLayer(0.1),
        new LinearLayer(4),
    ]);

    public static ModelMeter QuickMeter { get; } =
        new(new MeasurementOptions { WarmUpRuns = 20, LatencyRuns = 20, ThroughputDuration = TimeSpan.FromSeconds(0.02), Rounds = 1, IntraOpThreads = 1 });

    public static TrainingOptions Training(int epochs, double learningRate = 0.01) => new()
    {
        Epochs = epochs,
        BatchSize = 32,
        Seed = 3,
        Optimizer = new OptimizerOptions { Kind = OptimizerKind.Adam, LearningRate = learningRate },
        Schedule = new LearningRateSchedule { Kind = ScheduleKind.Cosine },
    };

    /// <summary>Gaussian blobs: class c centred at +2.5 on feature c.</summary>
    public static Dataset Blobs(int perClass, int seed)
    {
        const int classes = 4, features = 6;
        var rng = new Random(seed);
        var x = new float[perClass * classes * features];
        var y = new int[perClass * classes];
        for (var i = 0; i < y.Length; i++)
        {
            y[i] = i % classes;
            for (var f = 0; f < features; f++) x[i * features + f] = (float)(Gaussian(rng) + (f == y[i] ? 2.5 : 0));
        }
        return new Dataset("blobs", x, [features], y, ["a", "b", "c", "d"]);
    }

    /// <summary>4×8×8 images: class c is brighter in quadrant c (all channels), on unit noise.</summary>
    public static Dataset Images(int perClass, int seed)
    {
        const int classes = 4, channels = 4, size = 8;
        var rng = new Random(seed);
        var per = channels * size * size;
        var x = new float[perClass * classes * per];
        var y = new int[perClass * classes];
        for (var i = 0; i < y.Length; i++)
        {
            var c = y[i] = i % classes;
            for (var j = 0; j < per; j++)
            {
                var (r, col) = (j / size % size, j % size);
                var quadrant = (r < size / 2 ? 0 : 2) + (col < size / 2 ? 0 : 1);
                x[i * per + j] = (float)(Gaussian(rng) + (quadrant == c ? 1.5 : 0));
            }
        }
        return new Dataset("quadrants", x, [channels, size, size], y, ["q0", "q1", "q2", "q3"]);
    }

    /// <summary><see cref="MarkerSentences.Encoder"/> trained on <paramref name="train"/>: AdamW, no standardisation (token ids are never standardised).</summary>
    public static async Task<TrainedModel> TrainEncoder(Dataset train) =>
        (await new Trainer().TrainToEnd(new TrainingRequest(MarkerSentences.Encoder, train, null, Training(12, 0.005) with
        {
            BatchSize = 16,
            Optimizer = new OptimizerOptions { Kind = OptimizerKind.AdamW, LearningRate = 0.005 },
            Standardization = null,
        }))).Model;

    public static async Task<TrainedModel> Train(ModelSpec spec, Dataset train, int epochs = 3, StandardizationMode standardization = StandardizationMode.PerFeature) =>
        (await new Trainer().TrainToEnd(new TrainingRequest(spec, train, null, Training(epochs) with { Standardization = standardization }))).Model;

    public static async Task<(CompressionResult Result, List<CompressionEvent> Events)> Compress(CompressionRequest request, CancellationToken cancellationToken = default)
    {
        var events = new List<CompressionEvent>();
        await foreach (var e in new Compressor().Compress(request with { Meter = QuickMeter }, cancellationToken)) events.Add(e);
        return (Assert.IsType<CompressionCompleted>(events[^1]).Result, events);
    }

    /// <summary>ONNX Runtime's outputs for the samples of <paramref name="data"/>, raw features in.</summary>
    public static float[] Run(byte[] onnx, Dataset data)
    {
        using var model = InferenceModel.Load(onnx, new InferenceOptions { PreferCuda = false, IntraOpThreads = 1 });
        return model.Run(data.Features, data.Count);
    }

    /// <summary>Fails unless every int8 logit is within <paramref name="fraction"/> of the largest float32 logit of its float32 value; <paramref name="where"/> names the CPU.</summary>
    public static void AssertCloseToFloat32(float[] float32, float[] int8, float fraction, string where)
    {
        Assert.Equal(float32.Length, int8.Length);
        var scale = float32.Max(MathF.Abs);
        var largest = float32.Zip(int8).Max(p => MathF.Abs(p.First - p.Second));
        Assert.True(largest <= fraction * scale,
            $"int8 logits stray {largest} from float32, more than {fraction:P0} of the largest logit {scale}, {where}");
    }

    /// <summary>
    /// Runs <paramref name="int8"/> on an emulated AVX2 CPU without VNNI and fails unless its logits are within
    /// <paramref name="fraction"/> of float32 and within a thousandth of the largest float32 logit of this CPU's.
    /// </summary>
    public static void AssertSameOnEmulatedAvx2(byte[] int8, Dataset data, float[] float32, float fraction)
    {
        var here = Run(int8, data);

        var emulated = Platform.EmulatedCpu.Run(Platform.EmulatedCpu.Avx2WithoutVnni, int8, data);

        var where = $"emulated {Platform.EmulatedCpu.Avx2WithoutVnni} (int8 kernel path AVX2 without VNNI, saturating pair sums)";
        AssertCloseToFloat32(float32, emulated, fraction, where);
        var scale = float32.Max(MathF.Abs);
        var largest = here.Zip(emulated).Max(p => MathF.Abs(p.First - p.Second));
        Assert.True(largest <= 1e-3f * scale, $"{where} differs from this CPU ({Engine.Platform.CpuFeatures.Current.Describe()}) by {largest} on a largest logit of {scale}");
    }

    /// <summary>Debian's onnx.checker (python3-onnx) on the file, when it is installed; its refusal fails the test.</summary>
    public static void CheckWithOnnxChecker(byte[] onnx)
    {
        if (!File.Exists("/usr/bin/python3")) return;
        var probe = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-c", "import onnx"]) { RedirectStandardError = true })!;
        probe.WaitForExit();
        if (probe.ExitCode != 0) return; // python3-onnx is not installed here
        var path = Path.Combine(Path.GetTempPath(), $"portal-check-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, onnx);
        try
        {
            var check = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-c", "import sys, onnx; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", path])
            { RedirectStandardError = true })!;
            var error = check.StandardError.ReadToEnd();
            check.WaitForExit();
            Assert.True(check.ExitCode == 0, $"onnx.checker refused the file: {error}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
