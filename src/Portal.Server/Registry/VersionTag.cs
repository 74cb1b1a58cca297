namespace Portal.Server.Registry;

public sealed class VersionTag
{
    public Guid VersionId { get; set; }
    public required string Key { get; set; }
    public required string Value { get; set; }
}
