using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Server.Serving;
using Portal.Server.Serving.Drift;

namespace Portal.Server.Tests.Serving.Drift;

public sealed class DriftMonitorTests : IDisposable
{
    private const int Features = 2;
    private static readonly Guid s_version = Guid.NewGuid();

    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FixedReferences _references = new();

    /// <summary>1000 reference rows: feature 0 runs 0..99, feature 1 is a permutation of the same; the model predicted classes 0 and 1 equally often.</summary>
    public DriftMonitorTests() => _references.Set(s_version, ReferenceOutcome.Ready(3, DriftReference.Build(Rows(1000, shift: 0), Features, [500L, 500L], "reference")));

    [Fact]
    public async Task Traffic_like_the_reference_shows_no_drift()
    {
        var monitor = await Warm(Monitor());

        monitor.Observe(Batch(Rows(400, shift: 0), Alternating(400)));
        var drift = Assert.Single(Assert.Single(monitor.Measure()).Versions);

        Assert.Equal((DriftStatus.Ok, 400L, 3), (drift.Status, drift.Samples, drift.VersionNumber));
        Assert.Equal(0.0, drift.PsiInput!.Value, 3);
        Assert.Equal(0.0, drift.PsiClass!.Value, 12);
    }

    [Fact]
    public async Task Shifted_inputs_and_one_sided_predictions_show_drift()
    {
        var monitor = await Warm(Monitor());

        // Every value moved up by half the range: half the rows land above the reference's top decile.
        monitor.Observe(Batch(Rows(300, shift: 50), Enumerable.Repeat(0, 300).ToArray()));
        var drift = Assert.Single(Assert.Single(monitor.Measure()).Versions);

        Assert.True(drift.PsiInput > 1.0, $"input PSI {drift.PsiInput} should show a large shift");
        Assert.Equal(drift.PsiInput!.Value, drift.PsiInputMax!.Value, 9);
        // All predictions are class 0 against a 50/50 reference: 0.5·ln 2 + (1e-4 − 0.5)·ln(1e-4 / 0.5).
        Assert.Equal(4.60431846666895, drift.PsiClass!.Value, 12);
    }

    [Fact]
    public async Task Too_few_samples_are_collected_without_an_index()
    {
        var monitor = await Warm(Monitor(minSamples: 200));

        monitor.Observe(Batch(Rows(150, shift: 0), Alternating(150)));
        var drift = Assert.Single(Assert.Single(monitor.Measure()).Versions);

        Assert.Equal(DriftStatus.Collecting, drift.Status);
        Assert.Equal(150, drift.Samples);
        Assert.Null(drift.PsiInput);
        Assert.Contains("at least 200", drift.Detail);
    }

    [Fact]
    public async Task The_window_forgets_traffic_older_than_its_length()
    {
        var monitor = await Warm(Monitor());
        monitor.Observe(Batch(Rows(300, shift: 50), Alternating(300)));

        _clock.Advance(TimeSpan.FromSeconds(30));
        monitor.Observe(Batch(Rows(300, shift: 0), Alternating(300)));
        Assert.Equal(600, Assert.Single(Assert.Single(monitor.Measure()).Versions).Samples);

        _clock.Advance(TimeSpan.FromSeconds(35));
        var drift = Assert.Single(Assert.Single(monitor.Measure()).Versions);
        Assert.Equal(300, drift.Samples);
        Assert.Equal(0.0, drift.PsiInput!.Value, 3);
    }

    [Fact]
    public async Task Rows_beyond_a_buckets_quota_are_not_binned()
    {
        // 10 rows a second in buckets of 5 s: at most 50 rows per bucket.
        var monitor = await Warm(Monitor(maxRowsPerSecond: 10, minSamples: 10));

        monitor.Observe(Batch(Rows(200, shift: 0), Alternating(200)));
        monitor.Observe(Batch(Rows(200, shift: 0), Alternating(200)));

        Assert.Equal(50, Assert.Single(Assert.Single(monitor.Measure()).Versions).Samples);
    }

    [Fact]
    public async Task A_version_is_preparing_until_its_reference_is_ready_and_its_first_rows_are_not_counted()
    {
        var pending = new TaskCompletionSource<ReferenceOutcome>();
        var version = Guid.NewGuid();
        _references.Set(version, pending.Task);
        var monitor = Monitor();

        monitor.Observe(Batch(Rows(300, shift: 0), Alternating(300), version));
        Assert.Equal(DriftStatus.Preparing, Assert.Single(Assert.Single(monitor.Measure()).Versions).Status);

        pending.SetResult(await _references.For(s_version));
        Assert.Equal(0, Assert.Single(Assert.Single(monitor.Measure()).Versions).Samples);
    }

    [Fact]
    public async Task A_version_without_a_reference_says_why()
    {
        var version = Guid.NewGuid();
        _references.Set(version, ReferenceOutcome.Without(4, "version 4 has no evaluation dataset to take a reference distribution from"));
        var monitor = await Warm(Monitor(), version);

        var drift = Assert.Single(Assert.Single(monitor.Measure()).Versions);

        Assert.Equal((DriftStatus.Unavailable, 4), (drift.Status, drift.VersionNumber));
        Assert.Contains("no evaluation dataset", drift.Detail);
    }

    [Fact]
    public async Task Inputs_of_another_width_than_the_reference_are_reported_not_binned()
    {
        var monitor = await Warm(Monitor());

        monitor.Observe(new ServedBatch("fashion", "production", s_version, 1, 3, new float[3], 2, new float[2]));
        var drift = Assert.Single(Assert.Single(monitor.Measure()).Versions);

        Assert.Equal(DriftStatus.Unavailable, drift.Status);
        Assert.Contains("3 values a row", drift.Detail);
        Assert.Contains("2 features", drift.Detail);
    }

    [Fact]
    public async Task Each_deployment_is_measured_apart()
    {
        var monitor = await Warm(Monitor());

        monitor.Observe(Batch(Rows(300, shift: 0), Alternating(300)));
        monitor.Observe(Batch(Rows(300, shift: 0), Alternating(300)) with { Alias = "staging" });

        Assert.Equal(["production", "staging"], monitor.Measure().Select(d => d.Alias).Order());
    }

    [Fact]
    public async Task The_gauge_reports_both_indices_with_the_deployment_and_version_as_tags()
    {
        var monitor = await Warm(Monitor());
        monitor.Observe(Batch(Rows(300, shift: 50), Enumerable.Repeat(0, 300).ToArray()));
        var drift = Assert.Single(Assert.Single(monitor.Measure()).Versions);

        var seen = new List<(double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        var factory = _services.GetRequiredService<IMeterFactory>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == DriftMonitor.MeterName && instrument.Name == DriftMonitor.PsiGauge && ReferenceEquals(instrument.Meter.Scope, factory))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) => seen.Add((value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(2, seen.Count);
        var input = Assert.Single(seen, s => (string?)s.Tags["kind"] == "input");
        var classes = Assert.Single(seen, s => (string?)s.Tags["kind"] == "class");
        Assert.Equal((drift.PsiInput!.Value, drift.PsiClass!.Value), (input.Value, classes.Value));
        Assert.Equal(("fashion", "production", "3"), ((string?)input.Tags["model"], (string?)input.Tags["alias"], (string?)input.Tags["version"]));
    }

    public void Dispose() => _services.Dispose();

    private DriftMonitor Monitor(int minSamples = 200, int maxRowsPerSecond = 200) => new(
        _references, _clock, Options.Create(new DriftOptions { MinSamples = minSamples, MaxRowsPerSecond = maxRowsPerSecond }), _services.GetRequiredService<IMeterFactory>());

    /// <summary>Starts the version's window (its first batch only asks for the reference) and lets the reference task finish.</summary>
    private async Task<DriftMonitor> Warm(DriftMonitor monitor, Guid? version = null)
    {
        monitor.Observe(Batch([], [], version ?? s_version));
        await _references.For(version ?? s_version);
        return monitor;
    }

    private static ServedBatch Batch(float[] rows, int[] predicted, Guid? version = null)
    {
        var outputs = new float[predicted.Length * 2];
        for (var i = 0; i < predicted.Length; i++) outputs[i * 2 + predicted[i]] = 1;
        return new ServedBatch("fashion", "production", version ?? s_version, predicted.Length, Features, rows, 2, outputs);
    }

    private static float[] Rows(int count, int shift)
    {
        var rows = new float[count * Features];
        for (var i = 0; i < count; i++) (rows[i * 2], rows[i * 2 + 1]) = (i % 100 + shift, i * 37 % 100 + shift);
        return rows;
    }

    private static int[] Alternating(int count) => [.. Enumerable.Range(0, count).Select(i => i % 2)];

    private sealed class FixedReferences : IDriftReferenceSource
    {
        private readonly Dictionary<Guid, Task<ReferenceOutcome>> _outcomes = [];

        public void Set(Guid version, ReferenceOutcome outcome) => _outcomes[version] = Task.FromResult(outcome);

        public void Set(Guid version, Task<ReferenceOutcome> outcome) => _outcomes[version] = outcome;

        public Task<ReferenceOutcome> For(Guid versionId) => _outcomes[versionId];
    }
}
