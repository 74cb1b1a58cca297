namespace Portal.Engine.Models;

/// <summary>
/// A spec whose input is int64 token ids [batch, sequence] rather than float features. The spec's input shape is
/// [maximum length]; shorter inputs are padded with <see cref="PaddingId"/>, which the padding mask marks.
/// </summary>
public sealed record TokenInput(int PaddingId = 0);
