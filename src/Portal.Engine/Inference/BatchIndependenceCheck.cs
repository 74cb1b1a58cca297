using Portal.Engine.Evaluation;

namespace Portal.Engine.Inference;

/// <summary>
/// Runs <see cref="Rows"/> distinct seeded rows through a model one at a time and then as one batch, and compares
/// every value: a graph that mixes rows (a normalisation over the whole batch, batch statistics left in training
/// mode, a quantization scale taken over the whole tensor) answers differently once other rows sit beside a row.
/// </summary>
public static class BatchIndependenceCheck
{
    public const int Rows = 8;

    /// <summary>
    /// Allowed difference, relative to the larger magnitude (at least 1). ONNX Runtime may pick another kernel blocking
    /// for a batch than for a single row, which reorders float sums and moves a result by a few units in the last
    /// place; a row that depends on its neighbours moves by far more than this.
    /// </summary>
    public const double Tolerance = 1e-4;

    /// <param name="sizes">
    /// The sizes of dynamic dimensions other than the batch, for a model outside the pooled FP32 and token paths
    /// (<see cref="TypedIndependenceCheck"/>); <see cref="RepresentativeSizes.Default"/> when null.
    /// </param>
    public static BatchIndependence Run(InferenceModel model, int seed = 26, RepresentativeSizes? sizes = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Batched is not { } signature)
        {
            return model.BatchedTyped is { } typed
                ? TypedIndependenceCheck.Run(model, typed, sizes ?? RepresentativeSizes.Default)
                : BatchIndependence.NotChecked($"requests of this model cannot be merged: {model.TypedBatchReason}");
        }
        if (signature.FixedBatch is long fixedBatch)
            return BatchIndependence.NotChecked($"the batch dimension is fixed at {fixedBatch}, so requests cannot be merged");
        var outWidth = signature.OutputValuesPerSample;
        var solo = new float[Rows * outWidth];
        var together = new float[Rows * outWidth];
        try
        {
            if (signature is BatchedTokenSignature tokens)
            {
                var length = tokens.FixedLength ?? tokens.MaximumLength ?? UnknownLength;
                var ids = SeededIds(length, tokens.Vocabulary ?? UnknownVocabulary, seed);
                for (var row = 0; row < Rows; row++)
                    model.RunTokens(ids.AsSpan(row * length, length), 1, solo.AsSpan(row * outWidth, outWidth));
                model.RunTokens(ids, Rows, together);
            }
            else
            {
                var width = ((BatchedFloatSignature)signature).InputValuesPerSample;
                var input = SeededRows(width, seed);
                for (var row = 0; row < Rows; row++)
                    model.Run(input.AsSpan(row * width, width), 1, solo.AsSpan(row * outWidth, outWidth));
                model.Run(input, Rows, together);
            }
        }
        catch (Exception e) when (e is InferenceRunException or InferenceInputException)
        {
            return BatchIndependence.NotChecked($"the model failed to run seeded rows: {e.Message}");
        }
        var (worstRow, worstDifference, worstRelative) = (0, 0.0, 0.0);
        for (var i = 0; i < solo.Length; i++)
        {
            double a = solo[i], b = together[i];
            var difference = Math.Abs(a - b);
            var relative = double.IsNaN(a) || double.IsNaN(b) ? (double.IsNaN(a) && double.IsNaN(b) ? 0 : double.PositiveInfinity)
                : difference / Math.Max(1.0, Math.Max(Math.Abs(a), Math.Abs(b)));
            if (relative > worstRelative)
                (worstRow, worstDifference, worstRelative) = (i / outWidth, difference, relative);
        }
        return worstRelative <= Tolerance
            ? new BatchIndependence(BatchIndependenceOutcome.Passed,
                $"{Rows} seeded rows gave the same outputs alone and as one batch (within {Tolerance:0.#####} relative)")
            : new BatchIndependence(BatchIndependenceOutcome.Failed,
                $"row {worstRow} of {Rows} seeded rows changed by {worstDifference:G4} when run in one batch instead of alone");
    }

    /// <summary>Tokens per seeded row of a token model whose length is neither fixed nor declared.</summary>
    public const int UnknownLength = 8;

    /// <summary>Ids of seeded rows stay below this when the model does not declare its vocabulary: small enough for any embedding a classifier has.</summary>
    public const int UnknownVocabulary = 16;

    /// <summary>Rows of distinct token ids (none of them the padding id 0).</summary>
    private static long[] SeededIds(int length, int vocabulary, int seed)
    {
        var random = new Random(seed);
        var ids = new long[Rows * length];
        for (var i = 0; i < ids.Length; i++) ids[i] = vocabulary > 1 ? random.Next(1, vocabulary) : 0;
        return ids;
    }

    /// <summary>Rows of distinct values and distinct scales, so a graph that mixes rows cannot hide it behind equal rows.</summary>
    private static float[] SeededRows(int width, int seed)
    {
        var random = new Random(seed);
        var values = new float[Rows * width];
        for (var row = 0; row < Rows; row++)
        {
            var scale = row + 1;
            for (var j = 0; j < width; j++) values[row * width + j] = (float)((random.NextDouble() * 2 - 1) * scale);
        }
        return values;
    }
}
