using System.Numerics;

namespace Portal.Server.Serving;

/// <summary>
/// The last few seconds of one served version, kept as a ring of one-second buckets. Each bucket counts requests,
/// failures and rows, and holds a log-linear histogram of end-to-end latencies in microseconds (HDR-style: exact
/// below 128 µs, then 64 sub-buckets per power of two, so any value is known within 1.6 %). Percentiles are
/// read from the merged buckets of the window: true quantiles of the recent requests, not running averages.
/// </summary>
public sealed class LatencyWindow
{
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int HalfSubBuckets = SubBuckets / 2;
    private const int MaxShift = 40;
    internal const int Bins = SubBuckets + MaxShift * HalfSubBuckets;

    private readonly Lock _gate = new();
    private readonly Bucket[] _ring;
    private readonly TimeProvider _clock;

    public LatencyWindow(int seconds, TimeProvider clock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 1);
        _clock = clock;
        _ring = new Bucket[seconds];
        for (var i = 0; i < seconds; i++) _ring[i] = new Bucket();
    }

    public int Seconds => _ring.Length;

    public void RecordSuccess(double latencySeconds) => Record(latencySeconds, failed: false);

    public void RecordFailure(double latencySeconds) => Record(latencySeconds, failed: true);

    /// <summary>One merged run of <paramref name="rows"/> rows (for the mean batch size).</summary>
    public void RecordBatch(int rows)
    {
        var now = Second();
        lock (_gate)
        {
            var bucket = Current(now);
            bucket.Batches++;
            bucket.Rows += rows;
        }
    }

    private void Record(double latencySeconds, bool failed)
    {
        var bin = Bin((long)(latencySeconds * 1_000_000));
        var now = Second();
        lock (_gate)
        {
            var bucket = Current(now);
            bucket.Requests++;
            if (failed) bucket.Failures++;
            else bucket.Counts[bin]++;
        }
    }

    /// <summary>The window ending now: counts, rates and the p50/p95/p99 of successful requests' latencies.</summary>
    public WindowSnapshot Snapshot()
    {
        var now = Second();
        var merged = new long[Bins];
        long requests = 0, failures = 0, batches = 0, rows = 0, latencies = 0;
        lock (_gate)
        {
            foreach (var bucket in _ring)
            {
                if (bucket.Second <= now - _ring.Length || bucket.Second > now) continue;
                requests += bucket.Requests;
                failures += bucket.Failures;
                batches += bucket.Batches;
                rows += bucket.Rows;
                for (var i = 0; i < Bins; i++)
                {
                    merged[i] += bucket.Counts[i];
                    latencies += bucket.Counts[i];
                }
            }
        }
        return new WindowSnapshot(
            _ring.Length, requests, failures, requests / (double)_ring.Length,
            Quantile(merged, latencies, 0.50), Quantile(merged, latencies, 0.95), Quantile(merged, latencies, 0.99),
            batches == 0 ? 0 : rows / (double)batches);
    }

    /// <summary>The histogram bin of a latency in microseconds.</summary>
    internal static int Bin(long micros)
    {
        if (micros < SubBuckets) return (int)Math.Max(0, micros);
        var shift = Math.Min(63 - BitOperations.LeadingZeroCount((ulong)micros) - (SubBucketBits - 1), MaxShift);
        var sub = (int)Math.Min(micros >> shift, SubBuckets - 1);
        return SubBuckets + (shift - 1) * HalfSubBuckets + (sub - HalfSubBuckets);
    }

    /// <summary>The middle of a bin, in microseconds.</summary>
    internal static double Value(int bin)
    {
        if (bin < SubBuckets) return bin;
        var shift = (bin - SubBuckets) / HalfSubBuckets + 1;
        var sub = (bin - SubBuckets) % HalfSubBuckets + HalfSubBuckets;
        return ((long)sub << shift) + ((1L << shift) - 1) / 2.0;
    }

    /// <summary>Nearest-rank quantile in milliseconds; 0 when there is no sample.</summary>
    private static double Quantile(long[] counts, long total, double q)
    {
        if (total == 0) return 0;
        var rank = Math.Max(1, (long)Math.Ceiling(q * total));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank) return Value(i) / 1000.0;
        }
        return Value(counts.Length - 1) / 1000.0;
    }

    private long Second() => _clock.GetUtcNow().ToUnixTimeSeconds();

    private Bucket Current(long second)
    {
        var bucket = _ring[(int)(second % _ring.Length)];
        if (bucket.Second != second) bucket.Reset(second);
        return bucket;
    }

    private sealed class Bucket
    {
        public readonly long[] Counts = new long[Bins];
        public long Second = long.MinValue;
        public long Requests;
        public long Failures;
        public long Batches;
        public long Rows;

        public void Reset(long second)
        {
            Array.Clear(Counts);
            Second = second;
            Requests = Failures = Batches = Rows = 0;
        }
    }
}

/// <summary>One version's sliding window: counts over <see cref="Seconds"/>, latency percentiles in milliseconds.</summary>
public sealed record WindowSnapshot(int Seconds, long Requests, long Failures, double RequestsPerSecond, double P50Ms, double P95Ms, double P99Ms, double MeanBatchSize)
{
    public double ErrorRate => Requests == 0 ? 0 : Failures / (double)Requests;
}
