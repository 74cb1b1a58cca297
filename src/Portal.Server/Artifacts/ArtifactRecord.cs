namespace Portal.Server.Artifacts;

/// <summary>A content-addressed file in the artifact store: its SHA-256 (hex) is its name.</summary>
public sealed class ArtifactRecord
{
    public required string Sha256 { get; set; }
    public long Size { get; set; }
    public required string MediaType { get; set; }
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}
