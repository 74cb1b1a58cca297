namespace Portal.Server.Approvals;

public enum RefusalKind
{
    Invalid,
    NotFound,
    Forbidden,
    Conflict,
}

/// <summary>Why a promotion action was refused, in words the caller can act on.</summary>
public sealed record Refusal(RefusalKind Kind, string Detail)
{
    public static Refusal Invalid(string detail) => new(RefusalKind.Invalid, detail);

    public static Refusal NotFound(string detail) => new(RefusalKind.NotFound, detail);

    public static Refusal Forbidden(string detail) => new(RefusalKind.Forbidden, detail);

    public static Refusal Conflict(string detail) => new(RefusalKind.Conflict, detail);
}

/// <summary>The result of a promotion action: a value, or the refusal that stopped it.</summary>
public readonly record struct Outcome<T>(T? Value, Refusal? Refusal)
    where T : class
{
    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(Refusal refusal) => new(null, refusal);
}
