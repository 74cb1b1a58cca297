using System.Collections.Concurrent;
using System.Diagnostics;
using Portal.Contracts.Serving;

namespace Portal.Server.Serving;

/// <summary>
/// Triton-style dynamic batching for one served version: requests queue (up to the queue size, then 503); each of
/// a few worker threads (Triton's model instances) takes the oldest request, waits at most the queue delay (counted
/// from when that request arrived) for more rows up to the batch size, runs them as one ONNX Runtime call over its
/// own reused buffers and hands each request its own rows back, in order. A request larger than the batch size runs
/// alone. While one worker runs, the next gathers, so the cores alternate between parsing and computing.
/// The wait is only worth paying while requests come together: after a batch that held one request, the next
/// one that finds the queue empty runs at once (a lone client otherwise pays the whole delay on every request,
/// for company that never comes). A batch of two or more turns waiting back on.
/// A token model's requests merge the same way: rows of different lengths are padded with the model's padding id to
/// the longest in the batch when the model declares one (its graph masks it), else a request of another length ends
/// the batch and starts the next.
/// </summary>
internal sealed class VersionBatcher : IDisposable
{
    private readonly ServedVersion _version;
    private readonly Func<BatchingSettings> _settings;
    private readonly ConcurrentQueue<InferenceJob> _queue = new();
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 20);
    private readonly Thread[] _threads;
    private int _depth;
    private volatile bool _stopping;
    // Requests in the last batch any worker ran; a fresh batcher assumes company, so its first request waits.
    private volatile int _lastBatchRequests = int.MaxValue;

    public VersionBatcher(ServedVersion version, Func<BatchingSettings> settings, int workers)
    {
        _version = version;
        _settings = settings;
        _threads = new Thread[Math.Max(1, workers)];
        for (var i = 0; i < _threads.Length; i++)
        {
            var worker = new Worker(this);
            _threads[i] = new Thread(worker.Loop) { IsBackground = true, Name = $"batcher {version.Model}/{version.Alias} v{version.Number} #{i}" };
            _threads[i].Start();
        }
    }

    public int Depth => Volatile.Read(ref _depth);

    /// <summary>Queues the job, or refuses it when the queue already holds the maximum.</summary>
    public bool TryEnqueue(InferenceJob job)
    {
        if (Interlocked.Increment(ref _depth) > _settings().MaxQueueSize)
        {
            Interlocked.Decrement(ref _depth);
            return false;
        }
        job.QueuedAt = Stopwatch.GetTimestamp();
        _queue.Enqueue(job);
        if (!_wake.IsSet) _wake.Set();
        return true;
    }

    /// <summary>Stops the workers once the queue is empty; the caller makes sure no request is still coming.</summary>
    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        foreach (var thread in _threads) thread.Join();
        _wake.Dispose();
    }

    private sealed class Worker(VersionBatcher owner)
    {
        private readonly List<InferenceJob> _batch = [];
        private float[] _input = [];
        private long[] _tokens = [];
        private float[] _output = [];
        private InferenceJob? _carried;

        public void Loop()
        {
            while (true)
            {
                var first = Take();
                if (first is null)
                {
                    if (owner._stopping) break;
                    owner._wake.Reset();
                    first = Take();
                    if (first is null)
                    {
                        owner._wake.Wait(TimeSpan.FromMilliseconds(200));
                        continue;
                    }
                }
                Gather(first);
                Run();
            }
        }

        private InferenceJob? Take()
        {
            if (_carried is { } carried)
            {
                _carried = null;
                return carried;
            }
            return owner._queue.TryDequeue(out var job) ? job : null;
        }

        private void Gather(InferenceJob first)
        {
            var settings = owner._settings();
            _batch.Clear();
            _batch.Add(first);
            var taken = 1;
            var rows = first.Rows;
            var deadline = first.QueuedAt + settings.MaxQueueDelayMicroseconds * Stopwatch.Frequency / 1_000_000;
            while (rows < settings.MaxBatchSize)
            {
                if (owner._queue.TryDequeue(out var next))
                {
                    taken++;
                    if (rows + next.Rows > settings.MaxBatchSize || !Mergeable(first, next))
                    {
                        // Too big for this batch, or of another length the model cannot pad to: it starts the worker's next one.
                        _carried = next;
                        break;
                    }
                    _batch.Add(next);
                    rows += next.Rows;
                    continue;
                }
                if (owner._lastBatchRequests < 2) break;
                var remaining = deadline - Stopwatch.GetTimestamp();
                if (remaining <= 0) break;
                if (remaining > Stopwatch.Frequency / 1000)
                {
                    owner._wake.Reset();
                    if (owner._queue.IsEmpty) owner._wake.Wait(TimeSpan.FromTicks(remaining * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
                }
                else
                {
                    Thread.Yield();
                }
            }
            owner._lastBatchRequests = _batch.Count;
            // A carried job stays counted in the queue until its own batch is gathered.
            Interlocked.Add(ref owner._depth, -(_carried is null ? taken : taken - 1));
        }

        /// <summary>Whether a token request can join a batch: always with padding, else only at the same length.</summary>
        private bool Mergeable(InferenceJob first, InferenceJob next) =>
            owner._version.Tokens is null || owner._version.PaddingId is not null || first.Length == next.Length;

        /// <summary>Runs the gathered batch once, then answers every request of it, or fails every one with the run's exception.</summary>
        private void Run()
        {
            try
            {
                if (owner._version.Tokens is not null) RunTokens();
                else RunFloats();
            }
            catch (Exception e)
            {
                Fail(e);
                return;
            }
            Answer(owner._version.OutputWidth);
        }

        private void RunFloats()
        {
            var version = owner._version;
            var perIn = version.InputWidth;
            var perOut = version.OutputWidth;
            var rows = 0;
            foreach (var job in _batch) rows += job.Rows;
            if (_input.Length < rows * perIn) _input = new float[rows * perIn];
            if (_output.Length < rows * perOut) _output = new float[rows * perOut];
            var start = Stopwatch.GetTimestamp();
            var offset = 0;
            foreach (var job in _batch)
            {
                job.QueueSeconds = (start - job.QueuedAt) / (double)Stopwatch.Frequency;
                job.Input.AsSpan(0, job.Rows * perIn).CopyTo(_input.AsSpan(offset));
                offset += job.Rows * perIn;
            }
            version.RunMerged(_input.AsMemory(0, rows * perIn), rows, _output.AsMemory(0, rows * perOut), start);
        }

        /// <summary>Hands each request of the batch its own rows of the output, in order.</summary>
        private void Answer(int perOut)
        {
            var offset = 0;
            foreach (var job in _batch)
            {
                _output.AsSpan(offset, job.Rows * perOut).CopyTo(job.Output);
                offset += job.Rows * perOut;
                job.TrySetResult();
            }
            _batch.Clear();
        }

        private void Fail(Exception e)
        {
            foreach (var job in _batch) job.TrySetException(e);
            _batch.Clear();
        }

        private void RunTokens()
        {
            var version = owner._version;
            var perOut = version.OutputWidth;
            int rows = 0, length = 0;
            foreach (var job in _batch)
            {
                rows += job.Rows;
                length = Math.Max(length, job.Length);
            }
            if (_tokens.Length < rows * length) _tokens = new long[rows * length];
            if (_output.Length < rows * perOut) _output = new float[rows * perOut];
            var start = Stopwatch.GetTimestamp();
            var row = 0;
            foreach (var job in _batch)
            {
                job.QueueSeconds = (start - job.QueuedAt) / (double)Stopwatch.Frequency;
                var ids = job.Tokens.Span;
                for (var r = 0; r < job.Rows; r++, row++)
                {
                    var target = _tokens.AsSpan(row * length, length);
                    ids.Slice(r * job.Length, job.Length).CopyTo(target);
                    // Mergeable let rows of another length in only when the model declares its padding.
                    target[job.Length..].Fill(version.PaddingId ?? 0);
                }
            }
            version.RunMergedTokens(_tokens.AsMemory(0, rows * length), rows, length, _output.AsMemory(0, rows * perOut), start);
        }
    }
}
