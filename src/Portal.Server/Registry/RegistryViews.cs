namespace Portal.Server.Registry;

// The registry's views on the wire are Portal.Contracts.Registry's; this one stays in the server.

/// <summary>An artifact's bytes, checked against their hash, ready to download.</summary>
public sealed record ArtifactDownload(byte[] Content, string MediaType, string FileName, string Sha256);
