using Portal.Contracts.Serving;
using Portal.Engine.Inference;

namespace Portal.Server.Serving;

/// <summary>
/// Whether a served version's concurrent requests are merged into one batch, and the sentence that says which rule
/// decided it (shown on the deployment's page, in /api/v1/deployments and in /v2 model metadata). Batching is on by
/// default only for a version whose rows are independent (<see cref="BatchIndependence.Independent"/>); an owner
/// who sets maxBatchSize above 1 on the deployment forces it on for any version, and the sentence says so. For a token
/// model the sentence also says how sequences of different lengths are merged: padded when the model masks its padding,
/// else only equal lengths together; for a typed model, that requests merge only when their dimensions after the batch
/// agree (those that are dynamic are named) and when they want the same outputs.
/// </summary>
public sealed record BatchingRule(bool On, string Text)
{
    /// <param name="merging">For a token or typed model, how requests of different shapes are merged, said when batching is on.</param>
    public static BatchingRule Of(string? unbatchable, BatchIndependence independence, BatchingSettings settings, bool forced, string? merging = null)
    {
        if (unbatchable is not null) return new(false, $"off: {unbatchable}");
        if (!settings.IsBatching) return new(false, "off: maxBatchSize is 1");
        var how = merging is null ? "" : $"; {merging}";
        if (independence.Independent)
            return new(true, independence.Outcome == BatchIndependenceOutcome.Passed
                ? $"on: passed the batch independence check ({independence.Reason}){how}"
                : $"on: {independence.Reason}{how}");
        var failed = independence.Outcome == BatchIndependenceOutcome.Failed;
        if (forced)
            return new(true, $"on, forced by an owner (maxBatchSize set on the deployment) against {(failed ? "a failed batch independence check" : "an unchecked version")}: {independence.Reason}{how}");
        return new(false, $"off: {(failed ? "failed the batch independence check" : "not checked for batch independence")}: {independence.Reason}; "
            + "an owner can force it on with PUT /api/v1/deployments/{model}/{alias}/batching");
    }
}
