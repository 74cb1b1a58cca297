using System.Collections.Concurrent;
using System.Diagnostics;

namespace Portal.Server.Serving;

/// <summary>
/// Triton-style dynamic batching for one served version: requests queue (up to the queue size, then 503); one
/// thread takes the oldest, waits at most the queue delay (counted from when that request arrived) for more rows
/// up to the batch size, runs them as one ONNX Runtime call over one reused buffer and hands each request its own
/// rows back, in order. A request larger than the batch size runs alone.
/// </summary>
internal sealed class VersionBatcher : IDisposable
{
    private readonly ServedVersion _version;
    private readonly Func<BatchingSettings> _settings;
    private readonly ConcurrentQueue<InferenceJob> _queue = new();
    private readonly ManualResetEventSlim _wake = new(false, spinCount: 20);
    private readonly List<InferenceJob> _batch = [];
    private readonly Thread _thread;
    private float[] _input = [];
    private float[] _output = [];
    private int _depth;
    private volatile bool _stopping;

    public VersionBatcher(ServedVersion version, Func<BatchingSettings> settings)
    {
        _version = version;
        _settings = settings;
        _thread = new Thread(Loop) { IsBackground = true, Name = $"batcher {version.Model}/{version.Alias} v{version.Number}" };
        _thread.Start();
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

    private void Loop()
    {
        while (true)
        {
            if (!_queue.TryDequeue(out var first))
            {
                if (_stopping) break;
                _wake.Reset();
                if (!_queue.TryDequeue(out first))
                {
                    _wake.Wait(TimeSpan.FromMilliseconds(200));
                    continue;
                }
            }
            Gather(first);
            Run();
        }
    }

    private void Gather(InferenceJob first)
    {
        var settings = _settings();
        _batch.Clear();
        _batch.Add(first);
        var rows = first.Rows;
        var deadline = first.QueuedAt + settings.MaxQueueDelayMicroseconds * Stopwatch.Frequency / 1_000_000;
        while (rows < settings.MaxBatchSize)
        {
            if (_queue.TryPeek(out var next))
            {
                if (rows + next.Rows > settings.MaxBatchSize) break;
                _queue.TryDequeue(out _);
                _batch.Add(next);
                rows += next.Rows;
                continue;
            }
            var remaining = deadline - Stopwatch.GetTimestamp();
            if (remaining <= 0) break;
            if (remaining > Stopwatch.Frequency / 1000)
            {
                _wake.Reset();
                if (_queue.IsEmpty) _wake.Wait(TimeSpan.FromTicks(remaining * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
            }
            else
            {
                Thread.Yield();
            }
        }
        Interlocked.Add(ref _depth, -_batch.Count);
    }

    private void Run()
    {
        var perIn = _version.InputWidth;
        var perOut = _version.OutputWidth;
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
        try
        {
            _version.RunMerged(_input.AsMemory(0, rows * perIn), rows, _output.AsMemory(0, rows * perOut), start);
        }
        catch (Exception e)
        {
            foreach (var job in _batch) job.TrySetException(e);
            _batch.Clear();
            return;
        }
        offset = 0;
        foreach (var job in _batch)
        {
            _output.AsSpan(offset, job.Rows * perOut).CopyTo(job.Output);
            offset += job.Rows * perOut;
            job.TrySetResult();
        }
        _batch.Clear();
    }

    /// <summary>Stops taking work once the queue is empty; the caller makes sure no request is still coming.</summary>
    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        _thread.Join();
        _wake.Dispose();
    }
}
