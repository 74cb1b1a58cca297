using Portal.Contracts.Registry;
using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Inference;
using Portal.Engine.Models;

namespace Portal.Server.Registry;

/// <summary>
/// What a version's evidence holds: the classification report on held-out data (when there is any), its timing
/// (figures null when not measured), the file's signature and, for an import, how it was measured and what was not.
/// </summary>
public sealed record VersionEvidence(
    ClassificationReport? Report, Guid? EvaluationDatasetId, ModelTiming Timing, SignatureView Signature, BatchIndependence BatchCheck, MeasurementReport? Measurement = null);

/// <summary>
/// Measures a new version's evidence, never entered: the classification report on held-out data (the engine's
/// <see cref="ModelEvaluator"/> for a run's weights, <see cref="OnnxEvaluator"/> for an ONNX file) and latency and
/// throughput by the engine's <see cref="ModelMeter"/>, the meter that times compression reports too, on sessions
/// configured as serving runs them.
/// </summary>
public sealed class EvidenceMeasurement(ModelMeter meter)
{
    /// <summary>The file loaded as the meter's sessions run it (see <see cref="InferenceModel.Load(byte[], InferenceOptions?, string?)"/> for what it refuses).</summary>
    public InferenceModel Load(byte[] onnx, string name) => InferenceModel.Load(onnx, meter.Options.Sessions, name);

    public static Task<ClassificationReport> Evaluate(TrainedModel model, Dataset data, CancellationToken ct) =>
        Task.Run(() => ModelEvaluator.Evaluate(model, data, cancellationToken: ct).Report, ct);

    public static Task<ClassificationReport> Evaluate(InferenceModel model, Dataset data, CancellationToken ct) =>
        Task.Run(() => OnnxEvaluator.Evaluate(model, data, ct), ct);

    /// <summary>Times the model on up to 64 samples of <paramref name="data"/> (seeded values without it).</summary>
    public async Task<ModelTiming> Time(InferenceModel model, Dataset? data, CancellationToken ct) =>
        (await meter.Time([model], ModelMeter.Samples(data), ct))[0];

    /// <summary>
    /// Times an imported file with what can be measured without labels. A model the batched path runs (one float32
    /// input or token ids, batched) is timed as every other version, on <paramref name="data"/> when given; any other
    /// is timed on inputs synthesized by its signature and <paramref name="sizes"/>. A figure that cannot be taken is
    /// left null and named with its reason; nothing here refuses the file.
    /// </summary>
    public async Task<(ModelTiming Timing, MeasurementReport Report)> TimeImported(InferenceModel model, Dataset? data, RepresentativeSizes sizes, CancellationToken ct)
    {
        var inputs = new List<string>();
        var notMeasured = new List<NotMeasuredView>();
        var samples = ModelMeter.Samples(data);
        ModelTiming timing;
        if (sizes.Dimensions.Count == 0 && ModelMeter.Unfit(model, samples.Length) is null)
        {
            timing = await Time(model, data, ct);
            inputs.Add($"{model.Inputs[0]} batched on its first dimension (batch 1 for latency, {ModelMeter.ThroughputBatch} for throughput), "
                + (data is null ? "seeded values" : $"samples of dataset '{data.Name}'"));
            var fixedBatch = model.Batched!.FixedBatch;
            if (timing.P50Ms is null) notMeasured.Add(new("latency", $"the model takes exactly {fixedBatch} samples per run, not 1"));
            if (timing.SamplesPerSecond is null) notMeasured.Add(new("throughput", $"the model takes exactly {fixedBatch} samples per run, not {ModelMeter.ThroughputBatch}"));
        }
        else
        {
            timing = Unmeasured;
            if (InputPlan.TryCreate(model.Inputs, sizes, out var reason) is not { } plan)
            {
                notMeasured.Add(new("latency", $"inputs cannot be synthesized: {reason}"));
                notMeasured.Add(new("throughput", $"inputs cannot be synthesized: {reason}"));
            }
            else
            {
                inputs.AddRange(plan.Notes);
                try
                {
                    timing = await meter.Time(model, plan, ct);
                    if (plan.NoThroughput is { } why) notMeasured.Add(new("throughput", why));
                }
                // An output of a type the engine does not return is an InvalidOperationException.
                catch (Exception e) when (e is InferenceInputException or InferenceRunException or InvalidOperationException and not ObjectDisposedException)
                {
                    notMeasured.Add(new("latency", $"the synthesized inputs did not run: {e.Message}"));
                    notMeasured.Add(new("throughput", $"the synthesized inputs did not run: {e.Message}"));
                }
            }
        }
        if (timing.P50Ms is not null) inputs.Add(meter.Describe(model));
        return (timing, new MeasurementReport(inputs, notMeasured));
    }

    /// <summary>Figures that were not taken.</summary>
    public static ModelTiming Unmeasured { get; } = new(null, null, null, 0, 0);
}
