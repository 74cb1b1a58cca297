using System.Text.Json;
using Portal.Contracts.Registry;
using Portal.Server.Approvals;

namespace Portal.Server.Registry;

/// <summary>A version's stored evidence as the promotion gates read it: the figures and, for those not measured, why.</summary>
public static class VersionEvidenceReader
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static GateEvaluator.Evidence ForGates(ModelVersion version)
    {
        var notMeasured = version.MeasurementJson is { } json
            ? JsonSerializer.Deserialize<MeasurementReport>(json, s_json)?.NotMeasured
                .GroupBy(n => n.Figure, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Reason, StringComparer.Ordinal)
            : null;
        return new GateEvaluator.Evidence(version.Number, version.Accuracy, version.LatencyP95Ms, notMeasured);
    }
}
