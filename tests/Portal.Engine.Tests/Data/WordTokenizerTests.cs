using Portal.Engine.Data;

namespace Portal.Engine.Tests.Data;

public sealed class WordTokenizerTests
{
    private static TextDataset Texts(params string[] texts) => new("t", texts, [.. texts.Select(_ => 0)], ["only"]);

    [Fact]
    public void Words_are_lower_cased_and_split_at_word_boundaries()
    {
        Assert.Equal(["hello", ",", "world", "!?", "it", "'", "s", "42"], WordTokenizer.Words("Hello, WORLD!? It's 42"));
    }

    [Fact]
    public void Ids_zero_and_one_are_padding_and_unknown_then_words_by_falling_count()
    {
        var tokenizer = WordTokenizer.Build(Texts("b a b", "c b a"), new VocabularyOptions { MinCount = 1 });

        Assert.Equal(["[PAD]", "[UNK]", "b", "a", "c"], tokenizer.Vocabulary);
        Assert.Equal([2, 3, 1], tokenizer.Encode("B a zebra"));
    }

    [Fact]
    public void Minimum_count_and_maximum_size_bound_the_vocabulary()
    {
        var training = Texts("a a a b b c", "a b d");

        Assert.Equal(["[PAD]", "[UNK]", "a", "b"], WordTokenizer.Build(training, new VocabularyOptions { MinCount = 2 }).Vocabulary);
        Assert.Equal(["[PAD]", "[UNK]", "a"], WordTokenizer.Build(training, new VocabularyOptions { MinCount = 1, MaxSize = 3 }).Vocabulary);
    }

    [Fact]
    public void The_json_artifact_round_trips_to_the_same_ids()
    {
        var tokenizer = WordTokenizer.Build(Texts("The cat sat.", "the dog sat!"), new VocabularyOptions { MinCount = 1 });

        var back = WordTokenizer.FromJson(tokenizer.ToJson());

        Assert.Equal(tokenizer.Vocabulary, back.Vocabulary);
        Assert.Equal(tokenizer.Options, back.Options);
        Assert.Equal(tokenizer.Encode("The bird sat!"), back.Encode("The bird sat!"));
        Assert.Contains(WordTokenizer.UnknownId, back.Encode("The bird sat!"));
    }

    [Fact]
    public void An_artifact_of_another_kind_is_refused()
    {
        var json = WordTokenizer.Build(Texts("a b"), new VocabularyOptions { MinCount = 1 }).ToJson().Replace("\"word\"", "\"bpe\"");

        Assert.Contains("kind 'bpe'", Assert.Throws<DatasetFormatException>(() => WordTokenizer.FromJson(json)).Message);
    }

    [Fact]
    public void Token_ids_are_truncated_and_padded_to_the_length()
    {
        var tokenizer = WordTokenizer.Build(Texts("a b c d"), new VocabularyOptions { MinCount = 1 });
        var data = new TextDataset("t", ["a b c d", "d x"], [0, 1], ["one", "two"]);

        var ids = TextEncoding.TokenIds(data, tokenizer, 3);

        Assert.Equal([3], ids.SampleShape);
        Assert.Equal([2f, 3f, 4f, 5f, 1f, 0f], ids.Features.ToArray());
        Assert.Equal([0, 1], ids.Labels.ToArray());
        Assert.Equal(["one", "two"], ids.ClassNames);
    }

    [Fact]
    public void Bag_of_words_counts_over_the_same_vocabulary()
    {
        var tokenizer = WordTokenizer.Build(Texts("a b"), new VocabularyOptions { MinCount = 1 });
        var data = Texts("b b zzz a");

        Assert.Equal([0f, 1f, 1f, 2f], TextEncoding.BagOfWords(data, tokenizer).Features.ToArray());
        Assert.Equal([0f, 1f, 1f, 1f], TextEncoding.BagOfWords(data, tokenizer, BagOfWordsMode.Presence).Features.ToArray());
    }

    [Fact]
    public void The_vocabulary_comes_from_the_training_split_only()
    {
        string[] texts = [.. Enumerable.Range(0, 40).Select(i => $"common word{i} word{i}")];
        var data = new TextDataset("t", texts, [.. Enumerable.Range(0, 40).Select(i => i % 2)], ["even", "odd"]);
        var (train, test) = data.Split(0.25, seed: 7);

        var tokenizer = WordTokenizer.Build(train, new VocabularyOptions { MinCount = 1 });

        Assert.Equal(30, train.Count);
        Assert.Equal(10, test.Count);
        Assert.All(train.Texts, t => Assert.DoesNotContain(WordTokenizer.UnknownId, tokenizer.Encode(t)));
        Assert.All(test.Texts, t => Assert.Equal([tokenizer.Id("common"), WordTokenizer.UnknownId, WordTokenizer.UnknownId], tokenizer.Encode(t)));
        var statistics = TextStatistics.Measure(test, tokenizer);
        Assert.Equal(1.0 / 3, statistics.TokenCoverage, 9);
    }

    [Fact]
    public void A_float_spec_or_a_small_embedding_cannot_take_the_ids()
    {
        var tokenizer = WordTokenizer.Build(Texts("a b c"), new VocabularyOptions { MinCount = 1 });
        var data = Texts("a b");
        var floats = new Portal.Engine.Models.ModelSpec("floats", [4], [new Portal.Engine.Models.LinearLayer(1)]);
        var small = new Portal.Engine.Models.ModelSpec("small", [4],
            [new Portal.Engine.Models.EmbeddingLayer(4, 2, 0), new Portal.Engine.Models.SequencePoolLayer(), new Portal.Engine.Models.LinearLayer(1)],
            new Portal.Engine.Models.TokenInput());

        Assert.Contains("text dataset needs a token spec", Assert.Throws<ArgumentException>(() => TextEncoding.ForSpec(data, tokenizer, floats)).Message);
        Assert.Contains("embedding of vocabulary 4", Assert.Throws<ArgumentException>(() => TextEncoding.ForSpec(data, tokenizer, small)).Message);
    }
}
