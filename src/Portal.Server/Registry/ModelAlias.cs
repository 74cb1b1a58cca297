namespace Portal.Server.Registry;

/// <summary>
/// A named pointer (<c>production</c>, <c>staging</c>, any custom name) from a model to one of its versions.
/// <see cref="PreviousVersionId"/> is what a rollback returns to; <see cref="ConcurrencyStamp"/> changes on every
/// move, so two moves decided at once cannot both apply.
/// </summary>
public sealed class ModelAlias
{
    public Guid ModelId { get; set; }
    public required string Name { get; set; }
    public Guid VersionId { get; set; }
    public Guid? PreviousVersionId { get; set; }
    public required string UpdatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;
    public Guid ConcurrencyStamp { get; set; } = Guid.NewGuid();
}
