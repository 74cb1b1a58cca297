using Portal.Engine.Data;
using Xunit.Abstractions;

namespace Portal.Engine.Tests.Data;

public sealed class FortunesCorpusTests(ITestOutputHelper output)
{
    [Fact]
    public void Entries_are_split_at_percent_lines_with_overstrikes_resolved()
    {
        var entries = FortunesCorpus.Entries("First line\nsecond line\n%\n_\bb_\bo_\bl_\bd and X\bX\n%\n\n%\nlast\n");

        Assert.Equal(["First line\nsecond line", "bold and X", "last"], entries);
    }

    [Fact]
    public void Installed_package_gives_five_categories_with_their_entry_counts()
    {
        var all = FortunesCorpus.Load();
        var counts = new int[all.ClassNames.Count];
        foreach (var label in all.Labels) counts[label]++;
        output.WriteLine(string.Join(", ", all.ClassNames.Select((c, i) => $"{c} {counts[i]}")));

        Assert.Equal(["computers", "definitions", "people", "politics", "science"], all.ClassNames);
        Assert.Equal([1051, 1203, 1251, 703, 625], counts);
        Assert.DoesNotContain(all.Texts, t => t.Contains('\b') || t.Contains("\n%\n") || string.IsNullOrWhiteSpace(t));
    }

    [Fact]
    public void The_fixed_split_holds_a_fifth_of_each_category_for_test()
    {
        var (train, test) = FortunesCorpus.LoadSplit();
        var again = FortunesCorpus.LoadSplit();
        var testCounts = new int[5];
        foreach (var label in test.Labels) testCounts[label]++;
        output.WriteLine($"train {train.Count}, test {test.Count}: {string.Join(", ", testCounts)}");

        Assert.Equal((3866, 967), (train.Count, test.Count));
        Assert.Equal([210, 241, 250, 141, 125], testCounts);
        Assert.Equal(test.Texts, again.Test.Texts);
        Assert.Empty(train.Texts.Intersect(test.Texts));
    }

    [Fact]
    public void The_training_vocabulary_fits_an_embedding_of_the_default_size_and_leaves_test_words_unknown()
    {
        var (train, test) = FortunesCorpus.LoadSplit();

        var tokenizer = WordTokenizer.Build(train);
        var seen = TextStatistics.Measure(train, tokenizer);
        var heldOut = TextStatistics.Measure(test, tokenizer);
        output.WriteLine($"vocabulary {tokenizer.VocabularySize}; coverage train {seen.TokenCoverage:P2}, test {heldOut.TokenCoverage:P2}; " +
            $"test tokens per text median {heldOut.Lengths.Median}, p90 {heldOut.Lengths.P90}, max {heldOut.Lengths.Max}");

        Assert.InRange(tokenizer.VocabularySize, 1000, VocabularyOptions.DefaultMaxSize - 1);
        Assert.True(heldOut.TokenCoverage < seen.TokenCoverage, "held-out text has words the training split never had");
        Assert.True(heldOut.UnknownTokens > 0);
    }
}
