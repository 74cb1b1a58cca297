namespace Portal.Client;

/// <summary>One page of a list; <see cref="Total"/> tells whether there are more.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Offset, int Limit, int Total)
{
    public bool HasMore => Offset + Items.Count < Total;
}
