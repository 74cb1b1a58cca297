namespace Portal.Server.Serving.Alerts;

/// <summary>
/// "Fire when <see cref="Metric"/> <see cref="Comparison"/> <see cref="Threshold"/> holds for <see cref="WindowSeconds"/>",
/// for one served version at a time of the deployments in scope: one model's alias, all aliases of one model
/// (<see cref="Alias"/> null) or every deployment (<see cref="Model"/> null).
/// </summary>
public sealed class AlertRule
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public required string Name { get; set; }
    public required string Metric { get; set; }
    public required string Comparison { get; set; }
    public double Threshold { get; set; }
    public int WindowSeconds { get; set; }
    public string? Model { get; set; }
    public string? Alias { get; set; }
    public bool Enabled { get; set; } = true;

    /// <summary>Rises on every change, so the evaluator restarts the rule's windows and resolves what it fired under the old terms.</summary>
    public int Revision { get; set; } = 1;

    public required string CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string UpdatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
