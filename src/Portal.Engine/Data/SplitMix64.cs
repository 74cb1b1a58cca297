namespace Portal.Engine.Data;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014; the reference is Vigna's <c>splitmix64.c</c>): a 64-bit state advanced by
/// the golden-ratio constant and scrambled by two multiply-xorshift rounds. Written out here, instead of using
/// <see cref="Random"/>, so that shuffles and augmentations are fixed by this definition alone and any other
/// language can reproduce them bit for bit.
/// </summary>
public struct SplitMix64(ulong state)
{
    private ulong _state = state;

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// A uniform integer in [0, <paramref name="bound"/>) by Lemire's multiply-and-reject method: the high 64 bits of
    /// <c>x · bound</c>, drawing again while the low 64 bits are below <c>2^64 mod bound</c>. Unbiased.
    /// </summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        var b = (ulong)bound;
        var high = Math.BigMul(NextUInt64(), b, out var low);
        if (low < b)
        {
            var threshold = (0UL - b) % b;
            while (low < threshold)
                high = Math.BigMul(NextUInt64(), b, out low);
        }
        return (int)high;
    }
}
