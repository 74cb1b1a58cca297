using Portal.Contracts.Registry;
using Portal.Server.Registry;

namespace Portal.Server.Compression;

/// <summary>One version of a model as the compression lab plots it: measured test accuracy, batch-1 latency p95 and ONNX size.</summary>
public sealed record TradeOffPoint(int Version, double Accuracy, double LatencyP95Ms, long OnnxBytes, bool Derived)
{
    /// <summary>The version's point, or null when it lacks a measurement the plot needs (an imported model not yet evaluated).</summary>
    public static TradeOffPoint? Of(VersionSummary version, long? onnxBytes) =>
        version is { Accuracy: { } accuracy, LatencyP95Ms: { } latency } && onnxBytes is > 0
            ? new TradeOffPoint(version.Number, accuracy, latency, onnxBytes.Value, version.ParentVersionId is not null)
            : null;
}
