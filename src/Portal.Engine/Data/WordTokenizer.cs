using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.Tokenizers;

namespace Portal.Engine.Data;

/// <summary>
/// A word-level tokenizer whose vocabulary is built from training texts only: lower-cased (ML.Tokenizers'
/// <see cref="LowerCaseNormalizer"/>), split into runs of word characters and runs of other non-space characters
/// (ML.Tokenizers' word-or-non-word pre-tokenizer, <c>\w+|[^\w\s]+</c>), each run one token. Id 0 is padding, id 1
/// every word outside the vocabulary; words follow by falling count (ties in ordinal order).
/// </summary>
/// <remarks>
/// ML.Tokenizers has no word-level model: its WordPiece tokenizer over a whole-word vocabulary would split an unknown
/// run of punctuation into known pieces, so the lookup is a dictionary here and only the normalising and splitting
/// are the library's. The artifact (<see cref="ToJson"/>) names the pattern, so whoever reads it can split as
/// training did.
/// </remarks>
public sealed class WordTokenizer
{
    public const int PaddingId = 0;
    public const int UnknownId = 1;
    public const string PaddingToken = "[PAD]";
    public const string UnknownToken = "[UNK]";
    public const string Kind = "word";
    public const string Pattern = @"\w+|[^\w\s]+";

    private static readonly PreTokenizer s_split = PreTokenizer.CreateWordOrNonWord();
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private readonly string[] _vocabulary;
    private readonly Dictionary<string, int> _ids;

    private WordTokenizer(string[] vocabulary, VocabularyOptions options)
    {
        _vocabulary = vocabulary;
        _ids = new Dictionary<string, int>(vocabulary.Length, StringComparer.Ordinal);
        for (var i = 0; i < vocabulary.Length; i++) _ids.Add(vocabulary[i], i);
        Options = options;
    }

    /// <summary>Every token by id: padding, unknown, then the words.</summary>
    public IReadOnlyList<string> Vocabulary => _vocabulary;

    /// <summary>How many ids there are (an embedding needs at least this vocabulary).</summary>
    public int VocabularySize => _vocabulary.Length;

    /// <summary>The limits the vocabulary was built with.</summary>
    public VocabularyOptions Options { get; }

    /// <summary>The vocabulary of <paramref name="training"/>'s texts: words seen at least the minimum count, the most frequent first, up to the maximum size.</summary>
    public static WordTokenizer Build(TextDataset training, VocabularyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(training);
        options ??= new VocabularyOptions();
        options.Validate();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var text in training.Texts)
        {
            foreach (var word in Words(text))
                counts[word] = counts.GetValueOrDefault(word) + 1;
        }
        string[] vocabulary =
        [
            PaddingToken,
            UnknownToken,
            .. counts.Where(c => c.Value >= options.MinCount)
                .OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal)
                .Take(options.MaxSize - 2)
                .Select(c => c.Key),
        ];
        return new WordTokenizer(vocabulary, options);
    }

    /// <summary>The text's tokens as strings, lower-cased, in order.</summary>
    public static IEnumerable<string> Words(string text)
    {
        var normalized = LowerCaseNormalizer.Instance.Normalize(text);
        foreach (var (offset, length) in s_split.PreTokenize(normalized))
            yield return normalized.Substring(offset, length);
    }

    /// <summary>Every token's id, unknown words as <see cref="UnknownId"/>; not truncated or padded.</summary>
    public int[] Encode(string text) => [.. Words(text).Select(Id)];

    public int Id(string word) => _ids.TryGetValue(word, out var id) ? id : UnknownId;

    /// <summary>The tokens of <paramref name="ids"/> joined by spaces (padding left out), for display.</summary>
    public string Decode(IEnumerable<int> ids) => string.Join(' ', ids.Where(i => i != PaddingId).Select(i => i >= 0 && i < _vocabulary.Length ? _vocabulary[i] : UnknownToken));

    /// <summary>The tokenizer as the small JSON artifact stored with a dataset's preparation and with every model trained on it.</summary>
    public string ToJson() => JsonSerializer.Serialize(new Artifact(Kind, Lowercase: true, Pattern, PaddingId, UnknownId, Options.MinCount, Options.MaxSize, _vocabulary), s_json);

    /// <exception cref="DatasetFormatException">The JSON is not a word tokenizer this engine can apply exactly.</exception>
    public static WordTokenizer FromJson(string json)
    {
        Artifact? artifact;
        try
        {
            artifact = JsonSerializer.Deserialize<Artifact>(json, s_json);
        }
        catch (JsonException e)
        {
            throw new DatasetFormatException($"The tokenizer is not valid tokenizer JSON: {e.Message}", e);
        }
        if (artifact is null || artifact.Vocabulary is null) throw new DatasetFormatException("The tokenizer JSON has no vocabulary.");
        if (artifact.Kind != Kind || !artifact.Lowercase || artifact.Pattern != Pattern)
            throw new DatasetFormatException(
                $"The tokenizer is of kind '{artifact.Kind}' (lower-case {artifact.Lowercase}, pattern '{artifact.Pattern}'); this engine applies kind '{Kind}', lower-case, pattern '{Pattern}'.");
        if (artifact.PaddingId != PaddingId || artifact.UnknownId != UnknownId || artifact.Vocabulary.Length < 2
            || artifact.Vocabulary[PaddingId] != PaddingToken || artifact.Vocabulary[UnknownId] != UnknownToken)
            throw new DatasetFormatException($"The tokenizer must give id {PaddingId} to {PaddingToken} and id {UnknownId} to {UnknownToken}.");
        if (artifact.Vocabulary.GroupBy(w => w, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new DatasetFormatException($"The tokenizer's vocabulary holds '{twice.Key}' twice.");
        var options = new VocabularyOptions { MinCount = artifact.MinCount, MaxSize = artifact.MaxSize };
        options.Validate();
        return new WordTokenizer(artifact.Vocabulary, options);
    }

    private sealed record Artifact(string Kind, bool Lowercase, string Pattern, int PaddingId, int UnknownId, int MinCount, int MaxSize, string[] Vocabulary);
}
