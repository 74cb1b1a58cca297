namespace Portal.Engine.Data;

/// <summary>Images read from an IDX file: <see cref="Count"/> × <see cref="Height"/> × <see cref="Width"/> values, row-major, as stored (0..255 for unsigned bytes).</summary>
public sealed record IdxImages(int Count, int Height, int Width, float[] Pixels);
