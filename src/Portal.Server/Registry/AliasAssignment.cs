namespace Portal.Server.Registry;

public enum AliasMoveReason
{
    Direct,
    Promotion,
    Rollback,
}

/// <summary>
/// One stretch of time during which a version held an alias: "who held production on model M, and when" is a
/// query over these. <see cref="Until"/> is null while the version still holds it.
/// </summary>
public sealed class AliasAssignment
{
    public long Id { get; set; }
    public Guid ModelId { get; set; }
    public required string Alias { get; set; }
    public Guid VersionId { get; set; }
    public DateTimeOffset Since { get; set; }
    public DateTimeOffset? Until { get; set; }
    public required string AssignedBy { get; set; }
    public AliasMoveReason Reason { get; set; }
    public Guid? PromotionRequestId { get; set; }
}
