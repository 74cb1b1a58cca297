namespace Portal.Engine.Data;

/// <summary>
/// The order in which an epoch visits the samples, fixed by a seed and the epoch number alone.
/// </summary>
/// <remarks>
/// Definition, so that another implementation can reproduce it: start <see cref="SplitMix64"/> with the state
/// <c>(uint32(seed) &lt;&lt; 32) | uint32(epoch)</c>; fill <c>p = [0, 1, …, count − 1]</c>; for <c>i</c> from
/// <c>count − 1</c> down to 1 swap <c>p[i]</c> with <c>p[j]</c>, <c>j = NextInt(i + 1)</c> (Fisher–Yates).
/// </remarks>
public static class SeededShuffle
{
    public static int[] Permutation(int count, int seed, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var permutation = new int[count];
        for (var i = 0; i < count; i++) permutation[i] = i;
        var random = new SplitMix64(StateFor(seed, epoch));
        Shuffle(permutation, ref random);
        return permutation;
    }

    internal static ulong StateFor(int seed, int epoch) => ((ulong)(uint)seed << 32) | (uint)epoch;

    internal static void Shuffle(Span<int> items, ref SplitMix64 random)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = random.NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
