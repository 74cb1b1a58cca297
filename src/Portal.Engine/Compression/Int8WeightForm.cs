using Portal.Engine.Platform;

namespace Portal.Engine.Compression;

/// <summary>
/// The one int8 form Portal writes: uint8 activations × int8 weights held to seven bits (±63). On CPUs without VNNI,
/// ONNX Runtime sums each pair of adjacent u8×s8 products in a saturating int16 (<see cref="Int8KernelPath"/>); with
/// full int8 weights a pair reaches 2 × 255 × 127 and is clipped silently. Seven bits bound every pair by
/// 2 × 255 × 63, inside int16, so one graph gives the same answers on AVX2, AVX-512, VNNI and AMX alike, and a graph
/// made on one server stays right on another.
/// </summary>
public static class Int8WeightForm
{
    /// <summary>The largest weight magnitude written.</summary>
    public const int Limit = 63;

    /// <summary>uint8 activations, int8 weights in seven bits.</summary>
    public const string Name = "u8s8-w7";

    /// <summary>The same weights, with each int8 layer's input quantised at run time from its own range.</summary>
    public const string DynamicName = "u8s8-w7-dynamic";

    /// <summary>The metadata property of an int8 graph saying how it was quantised and which layers are int8.</summary>
    public const string MetadataKey = "portal.quantization";

    /// <summary>The largest pair sum the form allows: every uint8 activation times a limit-sized weight, twice.</summary>
    public const int LargestPairSum = 2 * byte.MaxValue * Limit;

    public static string DynamicReason(Int8KernelPath kernel) =>
        $"int8 form {DynamicName} (MatMul/Gemm weights int8 with one scale per matrix, held to ±{Limit}; each int8 layer's input quantised to uint8 at run time, "
            + $"DynamicQuantizeLinear → MatMulInteger): adjacent u8×s8 products summed in int16 stay within ±{LargestPairSum} ≤ {Int8KernelPath.PairSumLimit}, "
            + $"so the graph is exact on every x86-64 int8 kernel; this CPU runs {kernel.Name}";

    public static string Reason(Int8KernelPath kernel) =>
        $"int8 form {Name} (uint8 activations, int8 weights held to ±{Limit}): adjacent u8×s8 products summed in int16 stay within ±{LargestPairSum} ≤ {Int8KernelPath.PairSumLimit}, "
        + $"so the graph is exact on every x86-64 int8 kernel; this CPU runs {kernel.Name}";
}
