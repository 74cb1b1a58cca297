using System.Globalization;

namespace Portal.Engine.Data;

/// <summary>
/// A dataset cut into training, validation and test parts. A fraction of 0 gives no part (null), not an empty one.
/// </summary>
public sealed record DatasetSplit(Dataset Train, Dataset? Validation, Dataset? Test)
{
    /// <summary>
    /// Splits <paramref name="data"/> reproducibly: the same data, fractions and seed give the same parts.
    /// </summary>
    /// <remarks>
    /// Classification data is stratified: each class is shuffled on its own and contributes its share to every part.
    /// The test part holds round(N × testFraction) samples and the validation part round(N × validationFraction),
    /// shared among classes by largest remainder so the totals are exact. Within each part samples keep their
    /// original order. Shuffles use <see cref="SplitMix64"/> started at <c>(uint32(seed) &lt;&lt; 32) | 0xFFFFFFFF</c>
    /// (the state of <see cref="SeededShuffle"/>'s epoch −1, which training never uses), classes in label order.
    /// </remarks>
    public static DatasetSplit Split(Dataset data, double validationFraction, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckFraction(validationFraction, nameof(validationFraction));
        CheckFraction(testFraction, nameof(testFraction));
        if (validationFraction + testFraction >= 1)
            throw new ArgumentException(
                $"Validation ({Format(validationFraction)}) and test ({Format(testFraction)}) fractions sum to " +
                $"{Format(validationFraction + testFraction)}; they must leave something for training (sum below 1).");

        var (train, validation, test) = Indices(Groups(data), data.Count, validationFraction, testFraction, seed);
        if (train.Count == 0)
            throw new ArgumentException(
                $"Splitting the {data.Count} samples of '{data.Name}' with validation {Format(validationFraction)} and test {Format(testFraction)} leaves no training sample.");
        return new DatasetSplit(
            Part(data, train, "train"),
            validationFraction > 0 ? NonEmptyPart(data, validation, "validation", validationFraction) : null,
            testFraction > 0 ? NonEmptyPart(data, test, "test", testFraction) : null);
    }

    /// <summary>
    /// The split's sample indices (each part in ascending order) for samples grouped by class (or one group), as
    /// <see cref="Split"/> defines it; text datasets are cut by the same rule.
    /// </summary>
    internal static (List<int> Train, List<int> Validation, List<int> Test) Indices(int[][] groups, int count, double validationFraction, double testFraction, int seed)
    {
        var random = new SplitMix64(SeededShuffle.StateFor(seed, -1));
        foreach (var group in groups) SeededShuffle.Shuffle(group, ref random);

        var sizes = groups.Select(g => g.Length).ToArray();
        var testQuota = Apportion(sizes, sizes, testFraction, count);
        var validationQuota = Apportion(sizes, [.. sizes.Select((n, g) => n - testQuota[g])], validationFraction, count);

        var train = new List<int>();
        var validation = new List<int>();
        var test = new List<int>();
        for (var g = 0; g < groups.Length; g++)
        {
            test.AddRange(groups[g].AsSpan(0, testQuota[g]));
            validation.AddRange(groups[g].AsSpan(testQuota[g], validationQuota[g]));
            train.AddRange(groups[g].AsSpan(testQuota[g] + validationQuota[g]));
        }
        train.Sort();
        validation.Sort();
        test.Sort();
        return (train, validation, test);
    }

    /// <summary>Sample indices per class, in label order.</summary>
    internal static int[][] ByClass(ReadOnlySpan<int> labels, int classCount)
    {
        var byClass = new List<int>[classCount];
        for (var c = 0; c < byClass.Length; c++) byClass[c] = [];
        for (var i = 0; i < labels.Length; i++) byClass[labels[i]].Add(i);
        return [.. byClass.Select(l => l.ToArray())];
    }

    private static void CheckFraction(double fraction, string name)
    {
        if (!(fraction >= 0 && fraction < 1))
            throw new ArgumentOutOfRangeException(name, fraction, $"The {name} must be in [0, 1), not {Format(fraction)}.");
    }

    /// <summary>Sample indices per class (in label order), or all of them as one group for regression.</summary>
    private static int[][] Groups(Dataset data)
    {
        if (!data.IsClassification) return [[.. Enumerable.Range(0, data.Count)]];
        return ByClass(data.Labels, data.ClassNames.Count);
    }

    /// <summary>
    /// Per group, floor(size × fraction), then one more to the groups with the largest remainders (ties to the lower
    /// index) that still have room under <paramref name="capacity"/>, until round(total × fraction) are placed.
    /// </summary>
    private static int[] Apportion(int[] sizes, int[] capacity, double fraction, int total)
    {
        var target = (int)Math.Round(total * fraction, MidpointRounding.AwayFromZero);
        var quota = new int[sizes.Length];
        var remainders = new double[sizes.Length];
        var placed = 0;
        for (var g = 0; g < sizes.Length; g++)
        {
            var exact = sizes[g] * fraction;
            quota[g] = Math.Min((int)Math.Floor(exact), capacity[g]);
            remainders[g] = exact - quota[g];
            placed += quota[g];
        }
        foreach (var g in Enumerable.Range(0, sizes.Length).OrderByDescending(g => remainders[g]).ThenBy(g => g))
        {
            if (placed >= target) break;
            if (quota[g] >= capacity[g]) continue;
            quota[g]++;
            placed++;
        }
        return quota;
    }

    private static Dataset NonEmptyPart(Dataset data, List<int> indices, string part, double fraction) =>
        indices.Count > 0
            ? Part(data, indices, part)
            : throw new ArgumentException($"A {part} fraction of {Format(fraction)} selects no sample of the {data.Count} in '{data.Name}'.");

    private static Dataset Part(Dataset data, List<int> indices, string part)
    {
        return data.Select(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(indices), $"{data.Name}-{part}");
    }

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
