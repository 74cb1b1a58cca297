namespace Portal.Server.Serving;

/// <summary>
/// One merged inference run as served: the inputs and outputs of every row, for the watchers of live traffic (drift).
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
    ReadOnlyMemory<float> Outputs);
