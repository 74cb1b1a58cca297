using System.Text.Json.Serialization;

namespace Portal.Contracts;

/// <summary>One page of a list, newest or name order as the list says; <see cref="Total"/> counts every item.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, int Offset, int Limit, int Total)
{
    /// <summary>Whether items follow this page; worked out by the reader, not sent.</summary>
    [JsonIgnore]
    public bool HasMore => Offset + Items.Count < Total;
}
