namespace Portal.Server.Training;

/// <summary>The run is not in a state that allows the request (no weights yet, an export already under way): 409.</summary>
public sealed class RunStateException(string message) : Exception(message);
