namespace Portal.Engine.Models;

/// <summary>The fixed position vectors of "Attention Is All You Need", shared by the network and its ONNX export.</summary>
internal static class PositionalTable
{
    /// <summary>[maximum length, width], row-major: PE[pos, 2i] = sin(pos / 10000^(2i/width)), PE[pos, 2i+1] = cos(the same).</summary>
    public static float[] Sinusoids(int maxLength, int width)
    {
        var values = new float[maxLength * width];
        for (var pos = 0; pos < maxLength; pos++)
        {
            for (var i = 0; i < width; i++)
            {
                var angle = pos / Math.Pow(10000, 2 * (i / 2) / (double)width);
                values[pos * width + i] = (float)(i % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle));
            }
        }
        return values;
    }
}
