using System.Buffers;
using System.Numerics;
using Microsoft.ML.OnnxRuntime;

namespace Portal.Server.Serving;

/// <summary>Where <see cref="TensorDataScanner"/> puts each number of a data array it scans.</summary>
internal interface INumberSink
{
    /// <summary>
    /// Reads the number starting at <paramref name="start"/> as value <paramref name="index"/>; returns where it ends,
    /// <see cref="TensorDataScanner.NotANumber"/> for text outside the grammar, or <see cref="TensorDataScanner.Unheld"/>
    /// for a number this sink does not hold.
    /// </summary>
    int Take(ReadOnlySpan<byte> json, int start, int index);

    /// <summary>Whether a problem in the array is refused at once (400), or the scan gives up and leaves it to a fuller reader.</summary>
    static abstract bool Refuses { get; }
}

/// <summary>FP32 values into a pooled buffer that grows as needed: the pooled path's input.</summary>
internal struct PooledSingles(float[] data) : INumberSink
{
    public float[] Data = data;

    public static bool Refuses => true;

    public int Take(ReadOnlySpan<byte> json, int start, int index)
    {
        var end = TensorDataScanner.Number(json, start, out float value);
        if (end < 0) return end;
        if (!float.IsFinite(value)) return TensorDataScanner.Unheld;
        if (index == Data.Length)
        {
            var bigger = ArrayPool<float>.Shared.Rent(Data.Length * 2);
            Data.AsSpan(0, index).CopyTo(bigger);
            ArrayPool<float>.Shared.Return(Data);
            Data = bigger;
        }
        Data[index] = value;
        return end;
    }
}

/// <summary>FP32 values into an array of the tensor's size.</summary>
internal readonly struct Singles(float[] values) : INumberSink
{
    public static bool Refuses => false;

    public int Take(ReadOnlySpan<byte> json, int start, int index)
    {
        if (index >= values.Length) return TensorDataScanner.Unheld;
        var end = TensorDataScanner.Number(json, start, out float value);
        if (end < 0) return end;
        if (!float.IsFinite(value)) return TensorDataScanner.Unheld;
        values[index] = value;
        return end;
    }
}

/// <summary>FP64 values into an array of the tensor's size.</summary>
internal readonly struct Doubles(double[] values) : INumberSink
{
    public static bool Refuses => false;

    public int Take(ReadOnlySpan<byte> json, int start, int index)
    {
        if (index >= values.Length) return TensorDataScanner.Unheld;
        var end = TensorDataScanner.Number(json, start, out double value);
        if (end < 0) return end;
        if (!double.IsFinite(value)) return TensorDataScanner.Unheld;
        values[index] = value;
        return end;
    }
}

/// <summary>BF16 values, each the float32 reading of its number rounded to bfloat16, as the full reader rounds them.</summary>
internal readonly struct BFloat16s(BFloat16[] values) : INumberSink
{
    public static bool Refuses => false;

    public int Take(ReadOnlySpan<byte> json, int start, int index)
    {
        if (index >= values.Length) return TensorDataScanner.Unheld;
        var end = TensorDataScanner.Number(json, start, out float value);
        if (end < 0) return end;
        var brain = (BFloat16)value;
        if (!float.IsFinite((float)brain)) return TensorDataScanner.Unheld;
        values[index] = brain;
        return end;
    }
}

/// <summary>Plain whole numbers in the range of <typeparamref name="T"/>; any other number is left to the full reader.</summary>
internal readonly struct Wholes<T>(T[] values) : INumberSink where T : IBinaryInteger<T>, IMinMaxValue<T>
{
    private static readonly long s_min = long.CreateSaturating(T.MinValue);
    private static readonly long s_max = long.CreateSaturating(T.MaxValue);

    public static bool Refuses => false;

    public int Take(ReadOnlySpan<byte> json, int start, int index)
    {
        if (index >= values.Length) return TensorDataScanner.Unheld;
        var end = TensorDataScanner.Whole(json, start, out var value);
        if (end < 0) return end;
        if (value < s_min || value > s_max) return TensorDataScanner.Unheld;
        values[index] = T.CreateTruncating(value);
        return end;
    }
}
