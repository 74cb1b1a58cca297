namespace Portal.Engine.Platform;

/// <summary>
/// What the native runtime started with: the device (<c>cuda</c> or <c>cpu</c>) and why, intra-op threads (one per
/// core unless the configuration set them: <see cref="ThreadsConfigured"/>) and how they wait.
/// </summary>
public sealed record RuntimeInfo(string Device, string DeviceReason, int IntraOpThreads, bool ThreadsConfigured, bool AllocatorTuned, string? MathLibraryNote, string ThreadWaiting);
