namespace Portal.Server;

public enum RefusalKind
{
    /// <summary>The request itself is wrong (a bad name, a dataset that does not fit the model): 400.</summary>
    Invalid,

    /// <summary>What the request names does not exist (a model, version, run, job, dataset, user…): 404.</summary>
    NotFound,

    /// <summary>The caller may not do this, for a reason the caller can act on (their own request, the policy's role): 403.</summary>
    Forbidden,

    /// <summary>The request clashes with the current state (a protected alias, a run that has not succeeded): 409.</summary>
    Conflict,
}

/// <summary>
/// A request refused, with a message that names what and why. Services throw it; the API answers it once, as
/// problem details (<see cref="Api.ProblemMapping.UsePortalProblems"/>), and pages show its message, so both say
/// the same thing. <see cref="Title"/> replaces the kind's usual problem title where a refusal needs its own.
/// </summary>
public sealed class Refusal(RefusalKind kind, string message, Exception? inner = null, string? title = null) : Exception(message, inner)
{
    public RefusalKind Kind { get; } = kind;

    public string? Title { get; } = title;

    public static Refusal Invalid(string message, Exception? inner = null) => new(RefusalKind.Invalid, message, inner);

    public static Refusal NotFound(string message) => new(RefusalKind.NotFound, message);

    public static Refusal Forbidden(string message) => new(RefusalKind.Forbidden, message);

    public static Refusal Conflict(string message, Exception? inner = null) => new(RefusalKind.Conflict, message, inner);
}
