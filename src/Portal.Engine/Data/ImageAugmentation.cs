using System.Buffers;
using System.Text.Json.Serialization;

namespace Portal.Engine.Data;

/// <summary>
/// Training-time augmentation of [C, H, W] images: a random crop from the image padded with zeros on every side
/// (the content shifts by −<see cref="CropPadding"/>..+<see cref="CropPadding"/> pixels in each direction), then a
/// horizontal flip of half the samples. The defaults change nothing.
/// </summary>
public sealed record ImageAugmentation(int CropPadding = 0, bool HorizontalFlip = false)
{
    [JsonIgnore]
    public bool ChangesImages => CropPadding > 0 || HorizontalFlip;

    /// <summary>
    /// Augments <paramref name="count"/> samples laid end to end in <paramref name="batch"/>, in place; the same seed
    /// gives the same result. When <paramref name="mirrored"/> is not empty it receives, per sample, whether it was flipped.
    /// </summary>
    /// <remarks>
    /// One <see cref="SplitMix64"/> started at <paramref name="seed"/> serves the samples in order; per sample it draws
    /// the row offset then the column offset (each <c>NextInt(2·padding + 1) − padding</c>, only when padding &gt; 0)
    /// and then the flip (the top bit of <c>NextUInt64()</c>, only when flipping is on). Output pixel (y, x) takes
    /// input pixel (y + dy, x + dx), zero outside the image; a flip then mirrors each row.
    /// </remarks>
    public void Apply(Span<float> batch, int count, int channels, int height, int width, ulong seed, Span<bool> mirrored = default)
    {
        if (CropPadding < 0)
            throw new ArgumentOutOfRangeException(nameof(CropPadding), CropPadding, "Crop padding cannot be negative.");
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        var sampleLength = checked(channels * height * width);
        if ((long)count * sampleLength > batch.Length)
            throw new ArgumentException(
                $"The batch holds {batch.Length} values, fewer than {count} samples of [{channels},{height},{width}] ({(long)count * sampleLength}).", nameof(batch));
        if (!mirrored.IsEmpty && mirrored.Length < count)
            throw new ArgumentException($"The flip record holds {mirrored.Length} entries, fewer than the {count} samples.", nameof(mirrored));
        if (!mirrored.IsEmpty) mirrored[..count].Clear();
        if (!ChangesImages) return;

        var random = new SplitMix64(seed);
        var scratch = CropPadding > 0 ? ArrayPool<float>.Shared.Rent(sampleLength) : null;
        try
        {
            for (var s = 0; s < count; s++)
            {
                int dy = 0, dx = 0;
                if (CropPadding > 0)
                {
                    dy = random.NextInt(2 * CropPadding + 1) - CropPadding;
                    dx = random.NextInt(2 * CropPadding + 1) - CropPadding;
                }
                var flip = HorizontalFlip && (random.NextUInt64() >> 63) == 1;
                var sample = batch.Slice(s * sampleLength, sampleLength);
                if (dx != 0 || dy != 0) Shift(sample, scratch, channels, height, width, dy, dx);
                if (flip) Mirror(sample, channels * height, width);
                if (!mirrored.IsEmpty) mirrored[s] = flip;
            }
        }
        finally
        {
            if (scratch is not null) ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <summary>Output (y, x) = input (y + dy, x + dx), or zero where that falls outside the image.</summary>
    internal static void Shift(Span<float> sample, float[]? scratch, int channels, int height, int width, int dy, int dx)
    {
        Span<float> copy = scratch is null ? new float[sample.Length] : scratch.AsSpan(0, sample.Length);
        sample.CopyTo(copy);
        sample.Clear();
        // The columns of the output that have a source inside the image, and where that source starts.
        var x0 = Math.Max(0, -dx);
        var x1 = Math.Min(width, width - dx);
        if (x1 <= x0) return;
        var y0 = Math.Max(0, -dy);
        var y1 = Math.Min(height, height - dy);
        for (var c = 0; c < channels; c++)
        {
            var plane = c * height * width;
            for (var y = y0; y < y1; y++)
                copy.Slice(plane + (y + dy) * width + x0 + dx, x1 - x0).CopyTo(sample.Slice(plane + y * width + x0, x1 - x0));
        }
    }

    /// <summary>Every sample of <paramref name="data"/>, an image of <paramref name="imageShape"/> [C, H, W], mirrored left to right.</summary>
    internal static Dataset Mirrored(Dataset data, IReadOnlyList<int> imageShape)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (imageShape.Count != 3 || imageShape[0] * imageShape[1] * imageShape[2] != data.FeatureCount)
            throw new ArgumentException($"Mirroring needs [C,H,W] images of '{data.Name}''s {data.FeatureCount} features, not [{string.Join(',', imageShape)}].");
        var features = data.Features.ToArray();
        var width = imageShape[2];
        for (var row = 0; row < features.Length / width; row++) features.AsSpan(row * width, width).Reverse();
        return data.WithFeatures(features);
    }

    private static void Mirror(Span<float> sample, int rows, int width)
    {
        for (var r = 0; r < rows; r++) sample.Slice(r * width, width).Reverse();
    }
}
