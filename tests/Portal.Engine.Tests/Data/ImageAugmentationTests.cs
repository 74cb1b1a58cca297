using System.Text.Json;
using Portal.Engine.Data;

namespace Portal.Engine.Tests.Data;

public sealed class ImageAugmentationTests
{
    /// <summary>A 3×3 image whose pixels name their place.</summary>
    private static float[] Three => [1, 2, 3, 4, 5, 6, 7, 8, 9];

    private static float[] Batch(int count, int length) =>
        [.. Enumerable.Range(0, count * length).Select(i => (float)(i % 97 + 1))];

    private static float[] Shifted(float[] image, int channels, int height, int width, int dy, int dx)
    {
        var copy = image.ToArray();
        ImageAugmentation.Shift(copy, null, channels, height, width, dy, dx);
        return copy;
    }

    [Fact]
    public void Defaults_change_nothing()
    {
        var batch = Batch(16, 9);
        var original = batch.ToArray();
        var none = new ImageAugmentation();
        Assert.False(none.ChangesImages);
        none.Apply(batch, 16, 1, 3, 3, seed: 123);
        Assert.Equal(original, batch);
    }

    [Fact]
    public void Flipping_twice_with_the_same_seed_restores_the_batch()
    {
        var batch = Batch(64, 2 * 4 * 5);
        var original = batch.ToArray();
        var flip = new ImageAugmentation(HorizontalFlip: true);
        flip.Apply(batch, 64, 2, 4, 5, seed: 77);
        Assert.NotEqual(original, batch);
        flip.Apply(batch, 64, 2, 4, 5, seed: 77);
        Assert.Equal(original, batch);
    }

    [Fact]
    public void The_flip_record_names_exactly_the_samples_that_were_mirrored()
    {
        const int count = 200;
        var batch = new float[count * 9];
        for (var s = 0; s < count; s++) Three.CopyTo(batch, s * 9);
        var record = new bool[count];
        record.AsSpan().Fill(true);
        new ImageAugmentation(HorizontalFlip: true).Apply(batch, count, 1, 3, 3, seed: 9, record);
        for (var s = 0; s < count; s++)
            Assert.Equal(!batch.AsSpan(s * 9, 9).SequenceEqual(Three), record[s]);
        Assert.Contains(true, record);
        Assert.Contains(false, record);
    }

    [Fact]
    public void A_mirrored_dataset_reverses_every_row_of_every_image()
    {
        var data = new Dataset("three", [.. Three, .. Three.Reverse()], [9], [0, 1], ["a", "b"]);
        var mirrored = ImageAugmentation.Mirrored(data, [1, 3, 3]);
        Assert.Equal([3f, 2, 1, 6, 5, 4, 9, 8, 7, 7, 8, 9, 4, 5, 6, 1, 2, 3], mirrored.Features.ToArray());
        Assert.Equal(data.Labels.ToArray(), mirrored.Labels.ToArray());
    }

    [Fact]
    public void About_half_the_samples_are_flipped_and_a_flip_mirrors_each_row()
    {
        const int count = 2000;
        var batch = new float[count * 9];
        for (var s = 0; s < count; s++) Three.CopyTo(batch, s * 9);
        new ImageAugmentation(HorizontalFlip: true).Apply(batch, count, 1, 3, 3, seed: 5);
        float[] mirrored = [3, 2, 1, 6, 5, 4, 9, 8, 7];
        var flipped = 0;
        for (var s = 0; s < count; s++)
        {
            var sample = batch.AsSpan(s * 9, 9).ToArray();
            if (sample.SequenceEqual(mirrored)) flipped++;
            else Assert.Equal(Three, sample);
        }
        Assert.InRange(flipped, 900, 1100);
    }

    [Fact]
    public void Shift_moves_content_and_fills_with_zero()
    {
        Assert.Equal([4f, 5, 6, 7, 8, 9, 0, 0, 0], Shifted(Three, 1, 3, 3, dy: 1, dx: 0));
        Assert.Equal([0f, 1, 2, 0, 4, 5, 0, 7, 8], Shifted(Three, 1, 3, 3, dy: 0, dx: -1));
        Assert.Equal([0f, 0, 0, 2, 3, 0, 5, 6, 0], Shifted(Three, 1, 3, 3, dy: -1, dx: 1));
        Assert.Equal(new float[9], Shifted(Three, 1, 3, 3, dy: 0, dx: 3));
        Assert.Equal(new float[9], Shifted(Three, 1, 3, 3, dy: -4, dx: 0));
    }

    [Fact]
    public void Every_channel_moves_by_the_same_offset()
    {
        float[] twoChannels = [.. Three, .. Three.Select(v => v * 10)];
        var shifted = Shifted(twoChannels, 2, 3, 3, dy: 1, dx: 1);
        Assert.Equal([5f, 6, 0, 8, 9, 0, 0, 0, 0, 50, 60, 0, 80, 90, 0, 0, 0, 0], shifted);
    }

    [Fact]
    public void Random_crops_are_shifts_within_the_padding_and_reach_every_shift()
    {
        const int count = 500;
        var batch = new float[count * 9];
        for (var s = 0; s < count; s++) Three.CopyTo(batch, s * 9);
        new ImageAugmentation(CropPadding: 1).Apply(batch, count, 1, 3, 3, seed: 42);

        var shifts = new List<(int, int)>();
        for (var dy = -1; dy <= 1; dy++)
            for (var dx = -1; dx <= 1; dx++)
                shifts.Add((dy, dx));
        var seen = new HashSet<(int, int)>();
        for (var s = 0; s < count; s++)
        {
            var sample = batch.AsSpan(s * 9, 9).ToArray();
            var match = shifts.Where(d => Shifted(Three, 1, 3, 3, d.Item1, d.Item2).SequenceEqual(sample)).ToList();
            Assert.Single(match);
            seen.Add(match[0]);
        }
        Assert.Equal(9, seen.Count);
    }

    [Fact]
    public void Same_seed_gives_the_same_batch_and_another_seed_does_not()
    {
        var augmentation = new ImageAugmentation(CropPadding: 2, HorizontalFlip: true);
        var a = Batch(32, 28 * 28);
        var b = a.ToArray();
        var c = a.ToArray();
        augmentation.Apply(a, 32, 1, 28, 28, seed: 1);
        augmentation.Apply(b, 32, 1, 28, 28, seed: 1);
        augmentation.Apply(c, 32, 1, 28, 28, seed: 2);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Only_the_given_samples_are_touched()
    {
        var batch = Batch(4, 9);
        var original = batch.ToArray();
        new ImageAugmentation(CropPadding: 1, HorizontalFlip: true).Apply(batch, 2, 1, 3, 3, seed: 3);
        Assert.Equal(original.AsSpan(18).ToArray(), batch.AsSpan(18).ToArray());
    }

    [Fact]
    public void A_batch_smaller_than_its_samples_or_a_negative_padding_is_refused()
    {
        var batch = new float[17];
        var e = Assert.Throws<ArgumentException>(() => new ImageAugmentation(1).Apply(batch, 2, 1, 3, 3, seed: 0));
        Assert.Contains("17 values, fewer than 2 samples of [1,3,3] (18)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageAugmentation(-1).Apply(new float[9], 1, 1, 3, 3, seed: 0));
    }

    [Fact]
    public void Settings_round_trip_through_json_as_a_training_option()
    {
        var json = JsonSerializer.Serialize(new ImageAugmentation(CropPadding: 4, HorizontalFlip: true));
        Assert.DoesNotContain("ChangesImages", json);
        Assert.Equal(new ImageAugmentation(4, true), JsonSerializer.Deserialize<ImageAugmentation>(json));
    }
}
