using System.IO.Compression;
using Portal.Engine.Models;

namespace Portal.Engine.Compression;

/// <summary>What a model costs to store and ship: its non-zero parameters and its file gzip-compressed.</summary>
internal static class ModelFootprint
{
    public static long GzipBytes(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(data);
        return buffer.Length;
    }

    /// <summary>Trainable parameters that are not zero (batch-norm running statistics are not parameters).</summary>
    public static long NonZeroParameters(TrainedModel model) =>
        model.Weights.Tensors.Where(t => !t.Name.EndsWith(".running_mean", StringComparison.Ordinal) && !t.Name.EndsWith(".running_var", StringComparison.Ordinal))
            .Sum(t => (long)t.Data.Count(v => v != 0));
}
