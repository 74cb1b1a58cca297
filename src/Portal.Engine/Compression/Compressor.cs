using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
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

    public async IAsyncEnumerable<CompressionEvent> Compress(CompressionRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        CompressionJob.Validate(request);
        NativeRuntime.EnsureStarted();

        var events = Channel.CreateUnbounded<CompressionEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var worker = Task.Run(async () =>
        {
            try
            {
                await new CompressionJob(request, events.Writer).Run(stop.Token).ConfigureAwait(false);
            }
            finally
            {
                events.Writer.Complete();
            }
        }, stop.Token);

        try
        {
            await foreach (var e in events.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                yield return e;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await worker.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The reader left the stream early; stopping the job was what it asked for.
            }
            catch (Exception e)
            {
                ExceptionDispatchInfo.Capture(e).Throw();
            }
        }
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
