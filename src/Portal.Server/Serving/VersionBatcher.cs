using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
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
/// A token model's requests are gathered the same way, then sorted by length and run in groups: rows of different
/// lengths are padded with the model's padding id to the longest in their group when the model declares one (its
/// graph masks it), the groups cut where padding would cost more than another run; else each group holds one length.
/// A typed model's requests (<see cref="TypedBatch"/>) are gathered the same way, then sorted by their key and run in
/// groups of one key: the same dimensions after the batch and the same outputs wanted.
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
        private int[] _lengths = [];
        private int[] _rows = [];
        private int[] _ends = [];
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
                    if (rows + next.Rows > settings.MaxBatchSize)
                    {
                        // Too big for this batch: it starts the worker's next one.
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

        /// <summary>
        /// Runs the gathered batch and answers every request of it, or fails every request of a run with that run's
        /// exception. Token requests run in groups of similar length (<see cref="RunTokens"/>).
        /// </summary>
        private void Run()
        {
            var batch = CollectionsMarshal.AsSpan(_batch);
            try
            {
                if (owner._version.Typed is not null)
                {
                    RunTyped();
                }
                else if (owner._version.Tokens is not null)
                {
                    RunTokens();
                }
                else
                {
                    RunFloats();
                    Answer(batch, owner._version.OutputWidth);
                }
            }
            catch (Exception e)
            {
                // A token or typed batch's groups answer or fail their own requests, so this fails only what none reached: a
                // request already answered keeps its answer, and none waits for ever.
                Fail(batch, e);
            }
            _batch.Clear();
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

        /// <summary>Hands each request its own rows of the output, in order.</summary>
        private void Answer(ReadOnlySpan<InferenceJob> jobs, int perOut)
        {
            var offset = 0;
            foreach (var job in jobs)
            {
                _output.AsSpan(offset, job.Rows * perOut).CopyTo(job.Output);
                offset += job.Rows * perOut;
                job.TrySetResult();
            }
        }

        private static void Fail(ReadOnlySpan<InferenceJob> jobs, Exception e)
        {
            foreach (var job in jobs) job.TrySetException(e);
        }

        /// <summary>
        /// Sorts the batch by sequence length and runs it in the groups <see cref="LengthGroups"/> cuts: each group's
        /// rows padded to its longest (a model without declared padding gets groups of one length), each group
        /// answered as soon as it has run.
        /// </summary>
        private void RunTokens()
        {
            var version = owner._version;
            _batch.Sort(static (a, b) => a.Length.CompareTo(b.Length));
            var jobs = CollectionsMarshal.AsSpan(_batch);
            if (_lengths.Length < jobs.Length) (_lengths, _rows, _ends) = (new int[jobs.Length], new int[jobs.Length], new int[jobs.Length]);
            for (var i = 0; i < jobs.Length; i++) (_lengths[i], _rows[i]) = (jobs[i].Length, jobs[i].Rows);
            var groups = LengthGroups.Cut(_lengths.AsSpan(0, jobs.Length), _rows.AsSpan(0, jobs.Length), version.TokenRunCost, version.PaddingId is not null, _ends);
            var first = 0;
            foreach (var end in _ends.AsSpan(0, groups))
            {
                var group = jobs[first..end];
                first = end;
                try
                {
                    RunTokenGroup(group);
                }
                catch (Exception e)
                {
                    Fail(group, e);
                    continue;
                }
                Answer(group, version.OutputWidth);
            }
        }

        /// <summary>
        /// Sorts the batch by key and runs each group of one key as one run (<see cref="TypedBatch"/>), each group
        /// answered as soon as it has run, or failed alone.
        /// </summary>
        private void RunTyped()
        {
            _batch.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            var jobs = CollectionsMarshal.AsSpan(_batch);
            var first = 0;
            while (first < jobs.Length)
            {
                var end = first + 1;
                while (end < jobs.Length && jobs[end].Key == jobs[first].Key) end++;
                var group = jobs[first..end];
                first = end;
                try
                {
                    RunTypedGroup(group);
                }
                catch (Exception e)
                {
                    Fail(group, e);
                    continue;
                }
                foreach (var job in group) job.TrySetResult();
            }
        }

        private void RunTypedGroup(ReadOnlySpan<InferenceJob> group)
        {
            var rows = 0;
            foreach (var job in group) rows += job.Rows;
            var start = Stopwatch.GetTimestamp();
            foreach (var job in group) job.QueueSeconds = (start - job.QueuedAt) / (double)Stopwatch.Frequency;
            var results = owner._version.RunMergedTyped(TypedBatch.Merge(group), group[0].OutputNames, rows, start);
            TypedBatch.Split(results, group, rows);
        }

        /// <summary>One run of requests sorted by length, each row padded to the last one's length.</summary>
        private void RunTokenGroup(ReadOnlySpan<InferenceJob> group)
        {
            var version = owner._version;
            var perOut = version.OutputWidth;
            var length = group[^1].Length;
            var rows = 0;
            foreach (var job in group) rows += job.Rows;
            if (_tokens.Length < rows * length) _tokens = new long[rows * length];
            if (_output.Length < rows * perOut) _output = new float[rows * perOut];
            var start = Stopwatch.GetTimestamp();
            var row = 0;
            foreach (var job in group)
            {
                job.QueueSeconds = (start - job.QueuedAt) / (double)Stopwatch.Frequency;
                var ids = job.Tokens.Span;
                for (var r = 0; r < job.Rows; r++, row++)
                {
                    var target = _tokens.AsSpan(row * length, length);
                    ids.Slice(r * job.Length, job.Length).CopyTo(target);
                    // LengthGroups lets rows of another length into a group only when the model declares its padding.
                    target[job.Length..].Fill(version.PaddingId ?? 0);
                }
            }
            version.RunMergedTokens(_tokens.AsMemory(0, rows * length), rows, length, _output.AsMemory(0, rows * perOut), start);
        }
    }
}
