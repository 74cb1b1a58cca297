using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Portal.Engine.Platform;

namespace Portal.Engine.Training;

/// <summary>
/// Runs training on a dedicated thread and streams its progress. The loop never waits on the reader: events
/// queue until read. Breaking out of the stream, or cancelling its token, stops the run within one batch.
/// </summary>
public sealed class Trainer
{
    public async IAsyncEnumerable<TrainingEvent> Train(TrainingRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Options.Validate();
        var runtime = NativeRuntime.EnsureStarted();

        var events = Channel.CreateUnbounded<TrainingEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var worker = Task.Factory.StartNew(() =>
        {
            try
            {
                NativeRuntime.ApplyToCurrentThread(runtime);
                using var session = new TrainingSession(request, runtime, events.Writer);
                session.Run(stop.Token);
            }
            finally
            {
                events.Writer.Complete();
            }
            // Not stop.Token: a task cancelled before it starts never runs its finally, the channel is never
            // completed and the reader below waits forever; the session itself stops at its first batch.
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        try
        {
            await foreach (var e in events.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                yield return e;
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            // Surface the worker's own exception (divergence, cancellation, bad data) unwrapped.
            try
            {
                await worker.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The reader left the stream early; stopping the run was what it asked for.
            }
            catch (Exception e)
            {
                ExceptionDispatchInfo.Capture(e).Throw();
            }
        }
    }

    /// <summary>Runs to the end and returns the result, for callers that do not watch progress.</summary>
    public async Task<TrainingResult> TrainToEnd(TrainingRequest request, CancellationToken cancellationToken = default)
    {
        TrainingResult? result = null;
        await foreach (var e in Train(request, cancellationToken).ConfigureAwait(false))
        {
            if (e is TrainingCompleted done) result = done.Result;
        }
        return result ?? throw new InvalidOperationException("Training ended without a result.");
    }
}
