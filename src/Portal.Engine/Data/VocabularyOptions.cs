namespace Portal.Engine.Data;

/// <summary>Limits of a <see cref="WordTokenizer"/>'s vocabulary.</summary>
public sealed record VocabularyOptions
{
    public const int DefaultMaxSize = 8000;

    /// <summary>A word enters the vocabulary when the training texts hold it at least this often.</summary>
    public int MinCount { get; init; } = 2;

    /// <summary>The most ids, padding and unknown included.</summary>
    public int MaxSize { get; init; } = DefaultMaxSize;

    internal void Validate()
    {
        if (MinCount < 1) throw new ArgumentException($"The vocabulary's minimum count must be at least 1, not {MinCount}.");
        if (MaxSize < 3) throw new ArgumentException($"The vocabulary's maximum size must be at least 3 (padding, unknown and one word), not {MaxSize}.");
        // Ids travel through a Dataset as float32, exact only below 2^24.
        if (MaxSize > 1 << 24) throw new ArgumentException($"The vocabulary's maximum size must be at most {1 << 24}, not {MaxSize}.");
    }
}
