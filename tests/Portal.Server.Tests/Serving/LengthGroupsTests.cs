using Portal.Server.Serving;

namespace Portal.Server.Tests.Serving;

public sealed class LengthGroupsTests
{
    private static int[] Ends(int[] lengths, int[] rows, double runTokens, bool padding)
    {
        var ends = new int[lengths.Length];
        var count = LengthGroups.Cut(lengths, rows, runTokens, padding, ends);
        return ends[..count];
    }

    private static double Cost(int[] lengths, int[] rows, double runTokens, int[] ends)
    {
        double cost = 0;
        var first = 0;
        foreach (var end in ends)
        {
            cost += runTokens + rows[first..end].Sum() * (double)lengths[end - 1];
            first = end;
        }
        return cost;
    }

    [Fact]
    public void Expensive_runs_merge_everything_into_one_padded_run()
    {
        Assert.Equal([4], Ends([3, 5, 8, 9], [1, 1, 1, 1], runTokens: 1000, padding: true));
    }

    [Fact]
    public void Cheap_runs_give_each_length_its_own_run_and_never_split_one_length()
    {
        Assert.Equal([2, 3, 5], Ends([3, 3, 8, 20, 20], [1, 1, 1, 1, 1], runTokens: 0.5, padding: true));
    }

    [Fact]
    public void Short_rows_are_not_padded_to_a_far_longer_one_when_another_run_costs_less()
    {
        // Ten rows of 4 tokens and one of 60: padding the ten costs 560 token-rows, a second run 30.
        var lengths = new[] { 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 60 };

        Assert.Equal([10, 11], Ends(lengths, [.. lengths.Select(_ => 1)], runTokens: 30, padding: true));
    }

    [Fact]
    public void Without_padding_every_run_holds_one_length_however_dear_runs_are()
    {
        Assert.Equal([2, 3, 6], Ends([2, 2, 3, 4, 4, 4], [1, 2, 1, 1, 1, 1], runTokens: 1e6, padding: false));
    }

    [Fact]
    public void The_cut_costs_no_more_than_any_other_cut_of_the_same_requests()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 200; trial++)
        {
            var n = random.Next(1, 10);
            var lengths = Enumerable.Range(0, n).Select(_ => random.Next(1, 65)).Order().ToArray();
            var rows = Enumerable.Range(0, n).Select(_ => random.Next(1, 4)).ToArray();
            var runTokens = random.Next(0, 80);
            var found = Cost(lengths, rows, runTokens, Ends(lengths, rows, runTokens, padding: true));

            // Every cut of n sorted requests is a subset of the n - 1 places between them.
            for (var mask = 0; mask < 1 << (n - 1); mask++)
            {
                var ends = Enumerable.Range(1, n - 1).Where(i => (mask & (1 << (i - 1))) != 0).Append(n).ToArray();
                Assert.True(found <= Cost(lengths, rows, runTokens, ends) + 1e-9, $"trial {trial}: [{string.Join(',', lengths)}] cut at [{string.Join(',', ends)}] costs less than the chosen cut");
            }
        }
    }

    [Fact]
    public void Rows_of_one_length_share_a_run_even_when_runs_cost_nothing()
    {
        Assert.Equal([3], Ends([7, 7, 7], [1, 1, 1], runTokens: 0, padding: false));
    }

    [Fact]
    public void Lengths_out_of_order_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => LengthGroups.Cut([5, 3], [1, 1], 10, true, new int[2]));

        Assert.Contains("3 follows 5 at 1", error.Message);
    }
}
