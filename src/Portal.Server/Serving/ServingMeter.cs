using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Portal.Server.Serving;

/// <summary>
/// The "Portal.Serving" meter. Every instrument is tagged with the deployment (model, alias) and the served version
/// (number, canary or not), so Prometheus compares a canary with its holder. Names follow OpenTelemetry; the
/// Prometheus exporter adds the unit, e.g. <c>portal_inference_request_duration_seconds</c>.
/// </summary>
public sealed class ServingMeter : IDisposable
{
    public const string MeterName = "Portal.Serving";

    private static readonly double[] s_secondsBuckets =
        [0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private static readonly int[] s_batchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _successes;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _rows;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _queue;
    private readonly Histogram<double> _compute;
    private readonly Histogram<int> _batchSize;

    public ServingMeter(IMeterFactory meters, Func<IEnumerable<Measurement<double>>> throughput, Func<IEnumerable<Measurement<int>>> queueDepth)
    {
        _meter = meters.Create(MeterName);
        _requests = _meter.CreateCounter<long>("portal.inference.requests", "{request}", "Inference requests that reached a served version.");
        _successes = _meter.CreateCounter<long>("portal.inference.successes", "{request}", "Inference requests answered with outputs.");
        _failures = _meter.CreateCounter<long>("portal.inference.failures", "{request}", "Inference requests that failed on the server side (queue full, run error).");
        _rows = _meter.CreateCounter<long>("portal.inference.rows", "{row}", "Samples (rows) inferred.");
        _duration = _meter.CreateHistogram("portal.inference.request.duration", "s", "End-to-end latency of an inference request, from its body read to its outputs ready.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets });
        _queue = _meter.CreateHistogram("portal.inference.queue.duration", "s", "Time a request waited in its version's batching queue.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets });
        _compute = _meter.CreateHistogram("portal.inference.compute.duration", "s", "ONNX Runtime time of one merged run.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_secondsBuckets });
        _batchSize = _meter.CreateHistogram("portal.inference.batch.size", "{row}", "Rows merged into one ONNX Runtime run.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = s_batchBuckets });
        _meter.CreateObservableGauge("portal.inference.throughput", throughput, "{request}/s", "Requests per second over the live sliding window.");
        _meter.CreateObservableGauge("portal.inference.queue.depth", queueDepth, "{request}", "Requests waiting in a version's batching queue.");
    }

    public static TagList Tags(string model, string alias, int version, bool canary) => new()
    {
        { "model", model },
        { "alias", alias },
        { "version", version },
        { "canary", canary },
    };

    public void Succeeded(in TagList tags, int rows, double seconds)
    {
        _requests.Add(1, tags);
        _successes.Add(1, tags);
        _rows.Add(rows, tags);
        _duration.Record(seconds, tags);
    }

    public void Failed(in TagList tags, double seconds)
    {
        _requests.Add(1, tags);
        _failures.Add(1, tags);
        _duration.Record(seconds, tags);
    }

    public void Queued(in TagList tags, double seconds) => _queue.Record(seconds, tags);

    public void Ran(in TagList tags, int rows, double seconds)
    {
        _batchSize.Record(rows, tags);
        _compute.Record(seconds, tags);
    }

    public void Dispose() => _meter.Dispose();
}
