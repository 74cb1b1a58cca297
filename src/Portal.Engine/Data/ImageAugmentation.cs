namespace Portal.Engine.Data;

public sealed record ImageAugmentation(int CropPadding = 0, bool HorizontalFlip = false)
{
    public void Apply(Span<float> batch, int count, int channels, int height, int width, ulong seed)
    {
        var rng = new Random(unchecked((int)seed));
        var plane = height * width;
        var scratch = new float[channels * plane];
        for (var s = 0; s < count; s++)
        {
            var sample = batch.Slice(s * channels * plane, channels * plane);
            var dy = CropPadding > 0 ? rng.Next(-CropPadding, CropPadding + 1) : 0;
            var dx = CropPadding > 0 ? rng.Next(-CropPadding, CropPadding + 1) : 0;
            var flip = HorizontalFlip && rng.Next(2) == 1;
            if (dx == 0 && dy == 0 && !flip) continue;
            sample.CopyTo(scratch);
            for (var c = 0; c < channels; c++)
                for (var y = 0; y < height; y++)
                    for (var x = 0; x < width; x++)
                    {
                        var sy = y + dy;
                        var sx = (flip ? width - 1 - x : x) + dx;
                        sample[c * plane + y * width + x] = sy >= 0 && sy < height && sx >= 0 && sx < width ? scratch[c * plane + sy * width + sx] : 0f;
                    }
        }
    }
}
