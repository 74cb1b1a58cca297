namespace Portal.Engine.Platform;

/// <summary>
/// How ONNX Runtime's int8 matrix kernels (MLAS) multiply uint8 activations by int8 weights on a CPU, by its
/// features. Without VNNI or AMX the kernels use <c>vpmaddubsw</c>, which adds each pair of adjacent u8×s8 products
/// in a saturating int16: a pair whose sum passes ±32 767 is clipped, silently. With VNNI or AMX every product
/// reaches an int32 sum.
/// </summary>
public sealed record Int8KernelPath(string Name, bool SaturatesPairs)
{
    /// <summary>The largest pair sum an int16 holds: two products of a uint8 and a weight of magnitude w stay within it when 2 × 255 × w ≤ this.</summary>
    public const int PairSumLimit = short.MaxValue;

    public static Int8KernelPath For(CpuFeatures cpu) =>
        cpu.Has("amx_int8") ? new("AMX (tile dot products into int32)", false)
        : cpu.Has("avx512_vnni") && cpu.Has("avx512bw") ? new("AVX-512 VNNI (vpdpbusd into int32)", false)
        : cpu.Has("avx_vnni") ? new("AVX-VNNI (vpdpbusd into int32)", false)
        : cpu.Has("avx512bw") ? new("AVX-512BW without VNNI (vpmaddubsw: u8×s8 pairs summed in saturating int16)", true)
        : cpu.Has("avx2") ? new("AVX2 without VNNI (vpmaddubsw: u8×s8 pairs summed in saturating int16)", true)
        : new("SSE (operands widened to int16, products summed in int32)", false);

    public override string ToString() => Name;
}
