namespace Portal.Server.Serving;

/// <summary>
/// One merged inference run as served: the inputs and outputs of every row, for the watchers of live traffic (drift).
/// A token model's rows are <see cref="Tokens"/>, <see cref="InputWidth"/> ids each (its <see cref="Inputs"/> are empty).
/// The memory belongs to the batcher and is valid only during <see cref="IServingObserver.Observe"/>.
/// </summary>
public sealed record ServedBatch(
    string Model,
    string Alias,
    Guid VersionId,
    int Rows,
    int InputWidth,
    ReadOnlyMemory<float> Inputs,
    int OutputWidth,
    ReadOnlyMemory<float> Outputs)
{
    /// <summary>A token model's ids, rows end to end; empty for float features.</summary>
    public ReadOnlyMemory<long> Tokens { get; init; }
}
