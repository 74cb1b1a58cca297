namespace Portal.Client.Models;

/// <summary>What an ONNX import asks for besides the file; null fields take the server's defaults.</summary>
public sealed record ModelImportOptions
{
    /// <summary>A labelled dataset to measure accuracy on; without it accuracy is not measured.</summary>
    public Guid? EvaluationDatasetId { get; init; }

    /// <summary>The output classes' names in output order; none for a model without classes (served as plain tensors).</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>Representative sizes of dynamic dimensions, by symbol (<c>height</c>) or as <c>input.index</c>.</summary>
    public IReadOnlyDictionary<string, long>? Dims { get; init; }

    /// <summary>An example input, an Open Inference Protocol request body: its shapes size the dynamic dimensions but the first (<see cref="Dims"/> win).</summary>
    public string? Example { get; init; }

    /// <summary>Integer inputs are synthesized in [0, bound) (the server's default: 10).</summary>
    public long? IntegerBound { get; init; }
}
