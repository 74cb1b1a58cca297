namespace Portal.LiveBench;

/// <summary>
/// What one viewer's run page recorded (window.portalLiveTiming, <c>?live-timing</c>) for the step-loss chart: per
/// drawn point, its event's sequence number on <c>run:{id}</c>, its step (x), its age when the page got it from the
/// circuit (<see cref="ReceivedMs"/>: engine → bus → circuit → browser) and when uPlot had drawn it (<see cref="LatencyMs"/>).
/// </summary>
public sealed record ViewerTiming(int Viewer, long[] Sequence, double[] Step, double[] LatencyMs, double[] ReceivedMs)
{
    public int Points => Sequence.Length;

    /// <summary>
    /// Steps of 1..<paramref name="steps"/> this viewer never drew. The run page follows the bus from its circuit
    /// (LiveFeed), which hands over every event and never downsamples, so each missing step is a drop.
    /// </summary>
    public long Missing(long steps) => steps - Step.Where(s => s >= 1 && s <= steps).Distinct().LongCount();

    /// <summary>Null when points came in topic order once each, else what went wrong first.</summary>
    public string? OrderProblem()
    {
        for (var i = 1; i < Points; i++)
        {
            if (Sequence[i] <= Sequence[i - 1]) return $"sequence {Sequence[i]} drawn after {Sequence[i - 1]}";
            if (Step[i] <= Step[i - 1]) return $"step {Step[i]} drawn after {Step[i - 1]}";
            // Between two drawn steps the topic can carry other events (epochs, status), never fewer than the steps between.
            if (Sequence[i] - Sequence[i - 1] < Step[i] - Step[i - 1])
                return $"steps {Step[i - 1]}→{Step[i]} span fewer sequence numbers ({Sequence[i - 1]}→{Sequence[i]}) than steps";
        }
        return null;
    }

    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}
