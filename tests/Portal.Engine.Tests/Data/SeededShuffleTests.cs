using Portal.Engine.Data;

namespace Portal.Engine.Tests.Data;

public sealed class SeededShuffleTests
{
    [Fact]
    public void SplitMix64_matches_the_reference_implementation()
    {
        // First outputs of Vigna's splitmix64.c for the states 0 and 1234567.
        var zero = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, zero.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, zero.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, zero.NextUInt64());
        var other = new SplitMix64(1234567);
        Assert.Equal(6457827717110365317UL, other.NextUInt64());
        Assert.Equal(3203168211198807973UL, other.NextUInt64());
    }

    [Fact]
    public void Permutation_matches_a_python_transcription_of_the_documented_definition()
    {
        // Computed by a 25-line Python version of the remarks on SeededShuffle (SplitMix64, Lemire bound, Fisher–Yates),
        // written from the documentation alone: a peer in another language can reproduce the batch order.
        Assert.Equal([1, 0, 7, 6, 5, 8, 4, 3, 2, 9], SeededShuffle.Permutation(10, 42, 0));
        Assert.Equal([8, 5, 0, 6, 7, 2, 3, 9, 1, 4], SeededShuffle.Permutation(10, 42, 1));
        Assert.Equal([9, 16, 5, 8, 3, 13, 7, 18, 10, 12, 0, 1, 4, 2, 15, 19, 11, 17, 6, 14], SeededShuffle.Permutation(20, -7, 3));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(1000)]
    [InlineData(60_000)]
    public void Permutation_holds_every_index_once(int count)
    {
        var permutation = SeededShuffle.Permutation(count, 7, 3);
        Assert.Equal(count, permutation.Length);
        Assert.Equal(Enumerable.Range(0, count), permutation.Order());
    }

    [Fact]
    public void Same_seed_and_epoch_give_the_same_order_and_others_differ()
    {
        var order = SeededShuffle.Permutation(500, 11, 4);
        Assert.Equal(order, SeededShuffle.Permutation(500, 11, 4));
        Assert.NotEqual(order, SeededShuffle.Permutation(500, 11, 5));
        Assert.NotEqual(order, SeededShuffle.Permutation(500, 12, 4));
        Assert.NotEqual(Enumerable.Range(0, 500), order);
    }

    [Fact]
    public void Each_index_lands_anywhere_with_about_equal_chance()
    {
        // 4000 epochs of 4 items: each of the 16 (index, position) pairs should occur about 1000 times.
        var counts = new int[4, 4];
        for (var epoch = 0; epoch < 4000; epoch++)
        {
            var p = SeededShuffle.Permutation(4, 1, epoch);
            for (var position = 0; position < 4; position++) counts[p[position], position]++;
        }
        foreach (var count in counts) Assert.InRange(count, 880, 1120);
    }

    [Fact]
    public void Bounded_draws_stay_in_range_and_cover_it()
    {
        var random = new SplitMix64(99);
        var seen = new bool[7];
        for (var i = 0; i < 1000; i++)
        {
            var v = random.NextInt(7);
            Assert.InRange(v, 0, 6);
            seen[v] = true;
        }
        Assert.All(seen, Assert.True);
        Assert.Equal(0, random.NextInt(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SplitMix64(1).NextInt(0));
    }
}
