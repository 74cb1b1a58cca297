namespace Portal.Server.Registry;

public enum RegistryErrorKind
{
    /// <summary>The request itself is wrong (a bad name, a dataset that does not fit the model): 400.</summary>
    Invalid,

    /// <summary>A model, version, run, dataset, tag or artifact that does not exist: 404.</summary>
    NotFound,

    /// <summary>The request clashes with the current state (a protected alias, a run that has not succeeded): 409.</summary>
    Conflict,
}

/// <summary>A registry operation refused, with a message that names what and why; ModelsApi turns it into problem details.</summary>
public sealed class RegistryException(RegistryErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public RegistryErrorKind Kind { get; } = kind;

    public static RegistryException Invalid(string message, Exception? inner = null) => new(RegistryErrorKind.Invalid, message, inner);

    public static RegistryException NotFound(string message) => new(RegistryErrorKind.NotFound, message);

    public static RegistryException Conflict(string message, Exception? inner = null) => new(RegistryErrorKind.Conflict, message, inner);
}
