using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace Portal.Server.Serving.Drift;

/// <summary>
/// Watches live traffic for drift: as an <see cref="IServingObserver"/> it bins every served version's inputs and
/// predicted classes into a live window (from the version's first batch on, once its reference is ready), and
/// <see cref="Measure"/> compares each window with its reference. The last measurement is the gauge
/// <c>portal_inference_drift_psi</c> (meter <c>Portal.Drift</c>, tags model, alias, version, kind = input | class).
/// </summary>
public sealed class DriftMonitor : IServingObserver
{
    public const string MeterName = "Portal.Drift";
    public const string PsiGauge = "portal_inference_drift_psi";

    private readonly IDriftReferenceSource _references;
    private readonly TimeProvider _clock;
    private readonly DriftOptions _options;
    private readonly ConcurrentDictionary<(string Model, string Alias, Guid Version), ServedVersionWindow> _windows = new();
    private IReadOnlyList<DeploymentDrift> _latest = [];

    public DriftMonitor(IDriftReferenceSource references, TimeProvider clock, IOptions<DriftOptions> options, IMeterFactory meters)
    {
        _references = references;
        _clock = clock;
        _options = options.Value;
        _options.Validate();
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge(PsiGauge, Measurements, unit: null,
            description: "Population Stability Index of the live window against the version's evaluation data (kind: input = mean over features, class = predicted classes)");
    }

    public DriftOptions Options => _options;

    public void Observe(ServedBatch batch)
    {
        var now = _clock.GetUtcNow();
        var window = _windows.GetOrAdd((batch.Model, batch.Alias, batch.VersionId),
            key => new ServedVersionWindow(key.Model, key.Alias, key.Version, _references.For(key.Version), _options, now));
        window.Add(batch, now);
    }

    /// <summary>The drift of every deployment that served traffic lately, one entry per deployment; also what the gauge reports next.</summary>
    public IReadOnlyList<DeploymentDrift> Measure()
    {
        var now = _clock.GetUtcNow();
        foreach (var (key, window) in _windows)
        {
            if (now - window.LastSeen > TimeSpan.FromSeconds(_options.ForgetAfterSeconds)) _windows.TryRemove(key, out _);
        }
        var drift = _windows.Values
            .GroupBy(w => (w.Model, w.Alias))
            .Select(g => new DeploymentDrift(g.Key.Model, g.Key.Alias, now, _options.WindowSeconds,
                [.. g.OrderBy(w => w.VersionId).Select(w => w.Measure(now))]))
            .ToList();
        Volatile.Write(ref _latest, drift);
        return drift;
    }

    private IEnumerable<Measurement<double>> Measurements()
    {
        foreach (var deployment in Volatile.Read(ref _latest))
        {
            foreach (var version in deployment.Versions)
            {
                if (version.PsiInput is { } input) yield return Measurement(deployment, version, "input", input);
                if (version.PsiClass is { } classes) yield return Measurement(deployment, version, "class", classes);
            }
        }
    }

    private static Measurement<double> Measurement(DeploymentDrift deployment, VersionDrift version, string kind, double value) => new(value,
        new KeyValuePair<string, object?>("model", deployment.Model),
        new KeyValuePair<string, object?>("alias", deployment.Alias),
        new KeyValuePair<string, object?>("version", version.VersionNumber.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new KeyValuePair<string, object?>("kind", kind));
}
