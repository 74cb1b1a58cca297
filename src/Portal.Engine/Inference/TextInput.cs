using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Onnx;

namespace Portal.Engine.Inference;

/// <summary>
/// The raw text a token model takes in place of its token ids, when its file carries the tokenizer it was trained
/// with (<see cref="OnnxMetadataKeys.Tokenizer"/>): each text split and looked up by that <see cref="WordTokenizer"/>,
/// cut to the model's length and padded with the padding id, as <see cref="TextEncoding"/> made the training rows.
/// </summary>
public sealed class TextInput
{
    /// <summary>The name a request gives its texts under, instead of the token input's own name.</summary>
    public const string Name = "text";

    private TextInput(WordTokenizer tokenizer, string tokenInputName, int maximumLength, bool masksPadding)
    {
        Tokenizer = tokenizer;
        TokenInputName = tokenInputName;
        MaximumLength = maximumLength;
        MasksPadding = masksPadding;
    }

    public WordTokenizer Tokenizer { get; }

    /// <summary>The model's own input of token ids, which the texts' ids are run as.</summary>
    public string TokenInputName { get; }

    /// <summary>Tokens per text the model takes; the rest of a longer text is cut, as in training.</summary>
    public int MaximumLength { get; }

    /// <summary>
    /// Whether the model masks its padding (a Portal spec declares its padding id and the length is dynamic): then rows
    /// are padded only to the longest text they are run with, which changes no answer; otherwise to <see cref="MaximumLength"/>.
    /// </summary>
    public bool MasksPadding { get; }

    /// <summary>Token ids [texts, length]: each text's first ids, then padding to the longest text (or to the model's length).</summary>
    /// <exception cref="InferenceInputException">No texts.</exception>
    public InferenceTensor<long> Encode(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0) throw new InferenceInputException($"Input '{Name}' holds no texts; send at least one.");
        var encoded = new int[texts.Count][];
        var longest = 1;
        for (var i = 0; i < encoded.Length; i++)
        {
            encoded[i] = Tokenizer.Encode(texts[i]);
            longest = Math.Max(longest, encoded[i].Length);
        }
        var length = MasksPadding ? Math.Min(longest, MaximumLength) : MaximumLength;
        var ids = new long[checked(encoded.Length * length)];
        for (var i = 0; i < encoded.Length; i++) TextEncoding.Pad<long>(encoded[i], ids.AsSpan(i * length, length));
        return InferenceTensor.Create(ids, encoded.Length, length);
    }

    /// <summary>The text input of a model whose file carries a tokenizer it can apply; null with the reason otherwise.</summary>
    internal static TextInput? TryCreate(OnnxModelInfo info, BatchedTokenSignature? tokens, ModelSpec? spec, out string reason)
    {
        if (!info.Metadata.TryGetValue(OnnxMetadataKeys.Tokenizer, out var json))
        {
            reason = $"its file carries no tokenizer ({OnnxMetadataKeys.Tokenizer}), so it takes token ids only";
            return null;
        }
        if (tokens is null)
        {
            reason = "it carries a tokenizer but has no single int64 input [batch, sequence] of token ids to run it into";
            return null;
        }
        if (tokens.MaximumLength is not int maximum)
        {
            reason = $"its input '{tokens.InputName}' has a dynamic length and no spec declaring the longest, so texts cannot be cut as training cut them";
            return null;
        }
        if (spec?.Tokens is { } declared && declared.PaddingId != WordTokenizer.PaddingId)
        {
            reason = $"its spec pads with id {declared.PaddingId} but its tokenizer pads with id {WordTokenizer.PaddingId}";
            return null;
        }
        WordTokenizer tokenizer;
        try
        {
            tokenizer = WordTokenizer.FromJson(json);
        }
        catch (DatasetFormatException e)
        {
            reason = $"its tokenizer cannot be applied: {e.Message}";
            return null;
        }
        reason = "";
        return new TextInput(tokenizer, tokens.InputName, maximum, spec?.Tokens is not null && tokens.FixedLength is null);
    }
}
