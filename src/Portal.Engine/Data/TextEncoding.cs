using Portal.Engine.Models;

namespace Portal.Engine.Data;

public enum BagOfWordsMode
{
    /// <summary>How often each vocabulary entry occurs in the text.</summary>
    Counts,

    /// <summary>1 where the entry occurs, else 0.</summary>
    Presence,
}

/// <summary>Labelled texts as a <see cref="Dataset"/> a network trains on, through a tokenizer built from the training texts.</summary>
public static class TextEncoding
{
    /// <summary>
    /// Token ids held as float32 values (exact below 2^24), samples of shape [<paramref name="maxLength"/>]: the
    /// first <paramref name="maxLength"/> tokens of each text, the rest filled with <see cref="WordTokenizer.PaddingId"/>.
    /// </summary>
    public static Dataset TokenIds(TextDataset data, WordTokenizer tokenizer, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        var features = new float[checked(data.Count * maxLength)];
        for (var i = 0; i < data.Count; i++)
        {
            Pad(tokenizer.Encode(data.Texts[i]), features.AsSpan(i * maxLength, maxLength));
        }
        return new Dataset(data.Name, features, [maxLength], data.Labels.ToArray(), data.ClassNames);
    }

    /// <summary>
    /// One text's row as training reads it: the first <c>row.Length</c> of its token <paramref name="ids"/>
    /// (<see cref="WordTokenizer.Encode"/>), the rest filled with <see cref="WordTokenizer.PaddingId"/>.
    /// </summary>
    public static void Pad<T>(ReadOnlySpan<int> ids, Span<T> row) where T : System.Numerics.INumberBase<T>
    {
        var real = Math.Min(ids.Length, row.Length);
        for (var position = 0; position < real; position++) row[position] = T.CreateChecked(ids[position]);
        row[real..].Fill(T.CreateChecked(WordTokenizer.PaddingId));
    }

    /// <summary>
    /// The token ids <paramref name="spec"/> takes: its length (<c>InputShape[0]</c>) and its padding id, which must be
    /// the tokenizer's; every embedding in the spec must have room for the tokenizer's ids.
    /// </summary>
    /// <exception cref="ArgumentException">The spec takes float features, or does not fit the tokenizer (<see cref="Mismatch"/>).</exception>
    public static Dataset ForSpec(TextDataset data, WordTokenizer tokenizer, ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (Mismatch(spec, tokenizer.VocabularySize, data.Name) is { } reason) throw new ArgumentException(reason);
        return TokenIds(data, tokenizer, spec.InputShape[0]);
    }

    /// <summary>Why <paramref name="spec"/> cannot take the token ids of a tokenizer with <paramref name="vocabularySize"/> ids; null when it can.</summary>
    public static string? Mismatch(ModelSpec spec, int vocabularySize, string dataName)
    {
        if (spec.Tokens is not { } tokens)
            return $"Model '{spec.Name}' takes float features [{string.Join(',', spec.InputShape)}] but '{dataName}' is a text dataset: a text dataset needs a token spec (\"tokens\": {{\"paddingId\": {WordTokenizer.PaddingId}}}).";
        if (tokens.PaddingId != WordTokenizer.PaddingId)
            return $"Model '{spec.Name}' pads with id {tokens.PaddingId} but the tokenizer of '{dataName}' pads with id {WordTokenizer.PaddingId}.";
        var small = Embeddings(spec.Layers).FirstOrDefault(e => e.Vocabulary < vocabularySize);
        return small is null ? null
            : $"Model '{spec.Name}' has an embedding of vocabulary {small.Vocabulary} but the tokenizer of '{dataName}' has {vocabularySize} ids: the embedding's vocabulary must be at least {vocabularySize}.";
    }

    private static IEnumerable<EmbeddingLayer> Embeddings(IEnumerable<LayerSpec> layers) =>
        layers.SelectMany(layer => layer switch
        {
            EmbeddingLayer embedding => [embedding],
            SequentialBlock sequential => Embeddings(sequential.Layers),
            ResidualBlock residual => Embeddings(residual.Body),
            _ => Enumerable.Empty<EmbeddingLayer>(),
        });

    /// <summary>
    /// Float features of shape [vocabulary size]: per text, each vocabulary entry's count (or presence); unknown words
    /// count at <see cref="WordTokenizer.UnknownId"/>, and the padding entry stays 0. The baseline a sequence model must beat.
    /// </summary>
    public static Dataset BagOfWords(TextDataset data, WordTokenizer tokenizer, BagOfWordsMode mode = BagOfWordsMode.Counts)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var width = tokenizer.VocabularySize;
        var features = new float[checked(data.Count * width)];
        for (var i = 0; i < data.Count; i++)
        {
            var row = features.AsSpan(i * width, width);
            foreach (var word in WordTokenizer.Words(data.Texts[i]))
            {
                var id = tokenizer.Id(word);
                row[id] = mode == BagOfWordsMode.Counts ? row[id] + 1 : 1;
            }
        }
        return new Dataset(data.Name, features, [width], data.Labels.ToArray(), data.ClassNames);
    }
}
