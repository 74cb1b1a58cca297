namespace Portal.Engine.Inference;

/// <summary>Where a model runs (<c>cuda</c> or <c>cpu</c>) and why.</summary>
public sealed record ExecutionProviderInfo(string Device, string Reason);
