namespace Portal.Engine.Inference;

public enum BatchIndependenceOutcome
{
    /// <summary>No check was run (the model's requests cannot be merged, its batch is fixed, or it could not be run); never batched by default.</summary>
    NotChecked,

    /// <summary>Rows run alone and rows run together gave the same answers.</summary>
    Passed,

    /// <summary>At least one row's answer changed when other rows were run beside it.</summary>
    Failed,

    /// <summary>Portal built the graph from a spec whose every layer is per-sample in eval mode; no check is needed.</summary>
    PerSampleSpec,
}

/// <summary>
/// Whether a version's answers for one row are independent of the other rows run in the same batch, and why we
/// believe it. Dynamic batching merges callers' rows, so only an independent version is batched by default.
/// </summary>
public sealed record BatchIndependence(BatchIndependenceOutcome Outcome, string Reason)
{
    public bool Independent => Outcome is BatchIndependenceOutcome.Passed or BatchIndependenceOutcome.PerSampleSpec;

    public static BatchIndependence NotChecked(string reason) => new(BatchIndependenceOutcome.NotChecked, reason);
}
