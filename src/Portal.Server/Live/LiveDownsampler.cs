namespace Portal.Server.Live;

/// <summary>
/// Reduces a backlog of events to about <c>target</c> messages: every event that is not an <see cref="ILiveSample"/>
/// is kept; each stretch of consecutive samples is cut into buckets whose minimum, maximum and last point are kept,
/// in sequence order, so extremes and the latest value survive.
/// </summary>
public static class LiveDownsampler
{
    public static List<LiveMessage> Downsample(IReadOnlyList<LiveEvent> backlog, int target)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(target, 3);
        var samples = backlog.Count(e => e.Data is ILiveSample);
        var bucketSize = Math.Max(1, (int)Math.Ceiling(samples * 3.0 / target));
        var kept = new List<LiveMessage>(Math.Min(backlog.Count, target + backlog.Count - samples));
        var bucket = new List<LiveEvent>(bucketSize);
        long omitted = 0;

        foreach (var e in backlog)
        {
            if (e.Data is ILiveSample)
            {
                bucket.Add(e);
                if (bucket.Count == bucketSize) Flush();
                continue;
            }
            Flush();
            kept.Add(LiveMessage.Of(e, omitted));
            omitted = 0;
        }
        Flush();
        return kept;

        void Flush()
        {
            if (bucket.Count == 0) return;
            var min = bucket.MinBy(e => ((ILiveSample)e.Data).SampleValue)!;
            var max = bucket.MaxBy(e => ((ILiveSample)e.Data).SampleValue)!;
            var last = bucket[^1];
            foreach (var e in bucket)
            {
                if (ReferenceEquals(e, min) || ReferenceEquals(e, max) || ReferenceEquals(e, last))
                {
                    kept.Add(LiveMessage.Of(e, omitted));
                    omitted = 0;
                }
                else
                {
                    omitted++;
                }
            }
            bucket.Clear();
        }
    }
}
