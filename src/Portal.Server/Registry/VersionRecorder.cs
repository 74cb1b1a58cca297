using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Registry;
using Portal.Server.Artifacts;
using Portal.Server.Audit;
using Portal.Server.Persistence;

namespace Portal.Server.Registry;

/// <summary>
/// Records a new version: its files stored through <see cref="ArtifactStore.Keep"/>, the next number of its model,
/// its evidence and the audit event, all in one save; a save that fails leaves neither rows nor files behind.
/// </summary>
public sealed class VersionRecorder(PortalDbContext db, AuditLog audit, ArtifactStore artifacts, TimeProvider clock)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <param name="describe">The version, given the SHA-256 of its stored ONNX file and of its weights (null without weights).</param>
    public async Task<VersionView> Record(
        RegisteredModel model, byte[] onnx, byte[]? weights, Func<string, string?, ModelVersion> describe, VersionEvidence evidence, object origin, string actor,
        CancellationToken ct)
    {
        var version = await artifacts.Keep(db, async files =>
        {
            var onnxFile = await files.Write(onnx, VersionArtifacts.OnnxMediaType, ct);
            var weightsFile = weights is null ? null : await files.Write(weights, VersionArtifacts.SafetensorsMediaType, ct);
            return describe(onnxFile.Sha256, weightsFile?.Sha256);
        }, async described =>
        {
            Measured(described, evidence);
            described.CreatedAt = clock.GetUtcNow();
            // "Max + 1" per model: Keep references one call at a time in this process; across processes the unique
            // (model, number) index refuses the second and the caller is asked to register again.
            described.Number = (await db.ModelVersions.Where(v => v.ModelId == model.Id).MaxAsync(v => (int?)v.Number, ct) ?? 0) + 1;
            db.ModelVersions.Add(described);
            Audit(model, described, evidence, origin, actor);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e)
            {
                throw Refusal.Conflict($"Version {described.Number} of model '{model.Name}' was registered elsewhere at the same time; register again.", e);
            }
            return described;
        }, ct);
        return await VersionViews.Build(db, model, version, ct);
    }

    private static void Measured(ModelVersion version, VersionEvidence evidence)
    {
        version.Accuracy = evidence.Report?.Accuracy;
        version.EvaluationJson = evidence.Report is null ? null : JsonSerializer.Serialize(evidence.Report, s_json);
        version.EvaluationDatasetId = evidence.Report is null ? null : evidence.EvaluationDatasetId;
        version.LatencyP50Ms = evidence.Timing.P50Ms;
        version.LatencyP95Ms = evidence.Timing.P95Ms;
        version.ThroughputBatch64 = evidence.Timing.SamplesPerSecond;
        version.SignatureJson = JsonSerializer.Serialize(evidence.Signature, s_json);
        version.MeasurementJson = evidence.Measurement is null ? null : JsonSerializer.Serialize(evidence.Measurement, s_json);
        version.BatchCheck = evidence.BatchCheck.Outcome;
        version.BatchCheckReason = evidence.BatchCheck.Reason;
    }

    private void Audit(RegisteredModel model, ModelVersion version, VersionEvidence evidence, object origin, string actor) =>
        audit.Append(actor, "version.create", "version", version.Id.ToString(), new
        {
            model = model.Name,
            modelId = model.Id,
            version = version.Number,
            source = version.Source.ToString(),
            origin,
            onnx = version.OnnxArtifact,
            weights = version.WeightsArtifact,
            accuracy = version.Accuracy,
            evaluationDatasetId = version.EvaluationDatasetId,
            latencyP50Ms = version.LatencyP50Ms,
            latencyP95Ms = version.LatencyP95Ms,
            throughputBatch64 = version.ThroughputBatch64,
            notMeasured = evidence.Measurement?.NotMeasured,
        });
}
