namespace Portal.Engine.Platform;

/// <summary>What the native runtime started with: the device (<c>cuda</c> or <c>cpu</c>) and why, threads and how they wait.</summary>
public sealed record RuntimeInfo(string Device, string DeviceReason, int IntraOpThreads, bool AllocatorTuned, string? MathLibraryNote, string ThreadWaiting);
