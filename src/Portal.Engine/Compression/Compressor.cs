using Portal.Engine.Platform;

namespace Portal.Engine.Compression;

/// <summary>
/// Runs a compression job (pruning, int8 quantisation or distillation, then the measured report) in the
/// background and streams its progress. Breaking out of the stream, or cancelling its token, stops the job
/// (fine-tuning within one batch).
/// </summary>
public sealed class Compressor
{
    /// <summary>The checks <see cref="Compress"/> makes before it starts: an <see cref="ArgumentException"/> names the first problem.</summary>
    public static void Validate(CompressionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        CompressionJob.Validate(request);
    }

    public IAsyncEnumerable<CompressionEvent> Compress(CompressionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        CompressionJob.Validate(request);
        NativeRuntime.EnsureStarted();

        return ProgressStream.Run<CompressionEvent>((events, stop) => new CompressionJob(request, events).Run(stop), cancellationToken);
    }

    /// <summary>Runs to the end and returns the result, for callers that do not watch progress.</summary>
    public async Task<CompressionResult> CompressToEnd(CompressionRequest request, CancellationToken cancellationToken = default)
    {
        CompressionResult? result = null;
        await foreach (var e in Compress(request, cancellationToken).ConfigureAwait(false))
        {
            if (e is CompressionCompleted done) result = done.Result;
        }
        return result ?? throw new InvalidOperationException("Compression ended without a result.");
    }
}
