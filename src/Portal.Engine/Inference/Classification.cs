using System.Globalization;
using Portal.Engine.Onnx;

namespace Portal.Engine.Inference;

/// <summary>One of a row's top classes: its index in the output, its name when the version has names, and its probability.</summary>
public sealed record ClassScore(int Index, string? Name, float Probability)
{
    /// <summary>As Triton's classification extension writes it: <c>probability:index:name</c>, or <c>probability:index</c> without a name.</summary>
    public override string ToString() =>
        $"{Probability.ToString("R", CultureInfo.InvariantCulture)}:{Index.ToString(CultureInfo.InvariantCulture)}{(Name is null ? "" : $":{Name}")}";
}

/// <summary>
/// A classifier's output [batch, classes] read as each row's top classes with probabilities. A row that already is a
/// probability distribution (every value in [0, 1], summing to 1 within <see cref="SumTolerance"/>) is taken as it
/// is; any other row is logits and goes through softmax.
/// </summary>
public static class Classification
{
    public const double SumTolerance = 1e-3;

    /// <summary>Why <paramref name="output"/> cannot give <paramref name="k"/> top classes per row, or null when it can.</summary>
    public static string? Misfit(OnnxTensorInfo output, int k)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (output.ElementType is not (OnnxElementType.Float32 or OnnxElementType.Float64 or OnnxElementType.Float16)
            || output.Rank != 2 || output.Dimensions[1].Size is not long classes)
            return $"output {output} is not a classifier's: classification needs a float output [batch, classes] with a fixed number of classes";
        if (k < 1) return $"classification must ask for at least 1 class, not {k}";
        if (k > classes) return $"output '{output.Name}' has {classes} classes, so classification cannot ask for {k}";
        return null;
    }

    /// <summary>Each row's <paramref name="k"/> most probable classes, the most probable first (ties: the lower index first).</summary>
    /// <param name="names">Class names by index; used only when there is one per class.</param>
    public static ClassScore[][] Top(InferenceTensor output, int k, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(names);
        if (output.Rank != 2) throw new ArgumentException($"A classifier's output is [batch, classes], not {output.ShapeText}.", nameof(output));
        var rows = checked((int)output.Shape[0]);
        var classes = checked((int)output.Shape[1]);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, classes);
        var values = Doubles(output);
        var named = names.Count == classes;
        var probabilities = new double[classes];
        var order = new int[classes];
        var top = new ClassScore[rows][];
        for (var r = 0; r < rows; r++)
        {
            Probabilities(values.AsSpan(r * classes, classes), probabilities);
            for (var c = 0; c < classes; c++) order[c] = c;
            Array.Sort(order, (a, b) => probabilities[b].CompareTo(probabilities[a]) is var byProbability && byProbability != 0 ? byProbability : a.CompareTo(b));
            top[r] = new ClassScore[k];
            for (var i = 0; i < k; i++) top[r][i] = new ClassScore(order[i], named ? names[order[i]] : null, (float)probabilities[order[i]]);
        }
        return top;
    }

    /// <summary>The row as probabilities: itself when it is a distribution already, else its softmax.</summary>
    public static void Probabilities(ReadOnlySpan<double> row, Span<double> probabilities)
    {
        var sum = 0d;
        var distribution = true;
        foreach (var value in row)
        {
            distribution &= value is >= 0 and <= 1;
            sum += value;
        }
        if (distribution && Math.Abs(sum - 1) <= SumTolerance)
        {
            row.CopyTo(probabilities);
            return;
        }
        var max = double.NegativeInfinity;
        foreach (var value in row) max = Math.Max(max, value);
        var total = 0d;
        for (var i = 0; i < row.Length; i++)
        {
            probabilities[i] = Math.Exp(row[i] - max);
            total += probabilities[i];
        }
        for (var i = 0; i < row.Length; i++) probabilities[i] /= total;
    }

    private static double[] Doubles(InferenceTensor output) => output.ElementType switch
    {
        OnnxElementType.Float32 => [.. output.Values<float>().ToArray().Select(v => (double)v)],
        OnnxElementType.Float64 => output.Values<double>().ToArray(),
        OnnxElementType.Float16 => [.. output.Values<Microsoft.ML.OnnxRuntime.Float16>().ToArray().Select(v => (double)(float)v)],
        _ => throw new ArgumentException($"A classifier's output holds float values, not {output.ElementType.Name()}.", nameof(output)),
    };
}
