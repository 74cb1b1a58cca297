using Portal.Engine.Platform;

namespace Portal.Engine.Training;

/// <summary>
/// Runs training on a dedicated thread and streams its progress. The loop never waits on the reader: events
/// queue until read. Breaking out of the stream, or cancelling its token, stops the run within one batch.
/// </summary>
public sealed class Trainer
{
    public IAsyncEnumerable<TrainingEvent> Train(TrainingRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Options.Validate();
        var runtime = NativeRuntime.EnsureStarted();

        return ProgressStream.Run<TrainingEvent>((events, stop) =>
        {
            NativeRuntime.ApplyToCurrentThread(runtime, TrainingThreads.For(request.Spec, request.Options.BatchSize, runtime));
            using var session = new TrainingSession(request, runtime, events);
            session.Run(stop);
            return Task.CompletedTask;
        }, cancellationToken);
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
