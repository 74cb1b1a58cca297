using Portal.Engine.Data;

namespace Portal.Engine.Tests.Training;

/// <summary>Small synthetic datasets the training tests make for themselves.</summary>
internal static class TrainingData
{
    /// <summary>Gaussian blobs: class c centred at +3 on feature c, unit noise elsewhere.</summary>
    public static Dataset Blobs(int perClass, int classes, int features, int seed, bool flipLabels = false)
    {
        var rng = new Random(seed);
        var count = perClass * classes;
        var x = new float[count * features];
        var y = new int[count];
        for (var i = 0; i < count; i++)
        {
            var c = i % classes;
            y[i] = flipLabels ? (c + 1) % classes : c;
            for (var f = 0; f < features; f++)
                x[i * features + f] = (float)(Gaussian(rng) + (f == c ? 3 : 0));
        }
        return new Dataset("blobs", x, [features], y, [.. Enumerable.Range(0, classes).Select(c => $"c{c}")]);
    }

    /// <summary>The same regression sample repeated, so batch order cannot matter.</summary>
    public static Dataset RepeatedSample(float[] features, float target, int copies)
    {
        var x = new float[features.Length * copies];
        for (var i = 0; i < copies; i++) features.CopyTo(x, i * features.Length);
        return new Dataset("repeated", x, [features.Length], Enumerable.Repeat(target, copies).ToArray(), 1);
    }

    private static double Gaussian(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
