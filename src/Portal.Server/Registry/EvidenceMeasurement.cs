using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Inference;
using Portal.Engine.Models;

namespace Portal.Server.Registry;

/// <summary>What a version's evidence holds: the classification report on held-out data (when there is any) and its timing.</summary>
public sealed record VersionEvidence(ClassificationReport? Report, Guid? EvaluationDatasetId, ModelTiming Timing);

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
}
