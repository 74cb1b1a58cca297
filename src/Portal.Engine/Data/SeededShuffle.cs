namespace Portal.Engine.Data;

/// <summary>Deterministic permutations from (seed, epoch) via SplitMix64 and Fisher–Yates.</summary>
public static class SeededShuffle
{
    public static int[] Permutation(int count, int seed, int epoch)
    {
        var order = new int[count];
        for (var i = 0; i < count; i++) order[i] = i;
        var state = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)epoch);
        for (var i = count - 1; i > 0; i--)
        {
            var j = (int)(Next(ref state) % (ulong)(i + 1));
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private static ulong Next(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
