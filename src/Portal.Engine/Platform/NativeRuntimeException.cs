namespace Portal.Engine.Platform;

/// <summary>libtorch could not be loaded; the message says why and what to run.</summary>
public sealed class NativeRuntimeException(string message, Exception inner) : Exception(message, inner);
