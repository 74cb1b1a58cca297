using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Portal.Engine.Platform;

/// <summary>
/// Runs long engine work (a training run, a compression job) on a thread of its own and streams the events it
/// writes. The work never waits on the reader: events queue until read. Breaking out of the stream, or
/// cancelling its token, cancels the work's token; the work's own exception surfaces unwrapped.
/// </summary>
internal static class ProgressStream
{
    public static async IAsyncEnumerable<TEvent> Run<TEvent>(
        Func<ChannelWriter<TEvent>, CancellationToken, Task> work, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = Channel.CreateUnbounded<TEvent>(new UnboundedChannelOptions { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var worker = Task.Factory.StartNew(async () =>
        {
            try
            {
                await work(events.Writer, stop.Token).ConfigureAwait(false);
            }
            finally
            {
                events.Writer.Complete();
            }
            // Not stop.Token: a task cancelled before it starts never runs its finally, the channel is never
            // completed and the reader below waits forever; the work itself stops at its first check.
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

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
                // The reader left the stream early; stopping the work was what it asked for.
            }
            catch (Exception e)
            {
                ExceptionDispatchInfo.Capture(e).Throw();
            }
        }
    }
}
