using Microsoft.ML.OnnxRuntime;
using Portal.Engine.Evaluation;
using Portal.Engine.Onnx;

namespace Portal.Engine.Inference;

/// <summary>
/// The batch independence check of a model merged as typed tensors (<see cref="TypedBatchSignature"/>): seeded rows
/// made as an import's timing makes them (<see cref="InputPlan"/>: integers in a safe range, dynamic dimensions besides
/// the batch at their representative sizes) run one at a time and then as one batch, and every output compared:
/// floating values within the check's tolerance, integers, bools and strings exactly. Every output must come back
/// with the batch first and the same other dimensions, or a merged run could not be cut back into rows.
/// </summary>
internal static class TypedIndependenceCheck
{
    /// <summary>
    /// Half-precision kernels round every intermediate to 11 (FP16) or 8 (BF16) significant bits, so another summation
    /// order moves a value by a unit in the last place, far above <see cref="BatchIndependenceCheck.Tolerance"/>;
    /// two units are allowed.
    /// </summary>
    private static double ToleranceOf(OnnxElementType type) => type switch
    {
        OnnxElementType.Float16 => Math.Pow(2, -9),
        OnnxElementType.BFloat16 => Math.Pow(2, -6),
        _ => BatchIndependenceCheck.Tolerance,
    };

    public static BatchIndependence Run(InferenceModel model, TypedBatchSignature signature, RepresentativeSizes sizes)
    {
        const int rows = BatchIndependenceCheck.Rows;
        InputPlan? plan;
        string reason;
        try
        {
            plan = InputPlan.TryCreate(model.Inputs, sizes, out reason);
        }
        catch (ArgumentException e)
        {
            return BatchIndependence.NotChecked($"the representative sizes do not fit the model: {e.Message}");
        }
        if (plan is null) return BatchIndependence.NotChecked($"seeded rows cannot be made: {reason}");
        if (plan.BatchKey is null) return BatchIndependence.NotChecked($"seeded rows cannot be made: {plan.NoThroughput}");
        var sized = Sized(plan, signature);
        var outputs = signature.Outputs.Select(o => o.Name).ToArray();
        var together = plan.Tensors(rows);
        var solo = new IReadOnlyDictionary<string, InferenceTensor>[rows];
        IReadOnlyDictionary<string, InferenceTensor> merged;
        try
        {
            for (var row = 0; row < rows; row++)
                solo[row] = model.Run(together.ToDictionary(i => i.Key, i => i.Value.Rows(row, 1), StringComparer.Ordinal), outputs);
            merged = model.Run(together, outputs);
        }
        catch (Exception e) when (e is InferenceRunException or InferenceInputException)
        {
            return BatchIndependence.NotChecked($"the model failed to run seeded rows{sized}: {e.Message}");
        }

        // The worst difference is the one furthest beyond its output's tolerance.
        var (worstOutput, worstRow, worstDifference, worstExcess) = ("", 0, 0.0, 1.0);
        var tolerance = 0.0;
        var exact = false;
        foreach (var declared in signature.Outputs)
        {
            var all = merged[declared.Name];
            if (all.Rank < 1 || all.Shape[0] != rows)
                return new BatchIndependence(BatchIndependenceOutcome.Failed,
                    $"output '{declared.Name}' came back as {all.ShapeText} for {rows} rows run together, not with the batch first, so a merged run cannot be cut back into rows{sized}");
            var allowed = ToleranceOf(declared.ElementType);
            if (Floating(all) is null) exact = true;
            else tolerance = Math.Max(tolerance, allowed);
            for (var row = 0; row < rows; row++)
            {
                var alone = solo[row][declared.Name];
                if (alone.Rank != all.Rank || alone.Shape[0] != 1 || !alone.Shape.Skip(1).SequenceEqual(all.Shape.Skip(1)))
                    return new BatchIndependence(BatchIndependenceOutcome.Failed,
                        $"output '{declared.Name}' is {alone.ShapeText} for one row but {all.ShapeText} for {rows} rows run together{sized}");
                var part = all.Rows(row, 1);
                if (Floating(alone) is { } a && Floating(part) is { } b)
                {
                    var (difference, relative) = Largest(a, b);
                    if (relative / allowed > worstExcess)
                        (worstOutput, worstRow, worstDifference, worstExcess) = (declared.Name, row, difference, relative / allowed);
                }
                else if (!alone.SameValues(part))
                {
                    return new BatchIndependence(BatchIndependenceOutcome.Failed,
                        $"row {row} of {rows} seeded rows changed output '{declared.Name}' ({declared.ElementType.Name()}) when run in one batch instead of alone{sized}");
                }
            }
        }
        return worstOutput.Length == 0
            ? new BatchIndependence(BatchIndependenceOutcome.Passed,
                $"{rows} seeded rows gave the same outputs alone and as one batch ({Agreement(tolerance, exact)}){sized}")
            : new BatchIndependence(BatchIndependenceOutcome.Failed,
                $"row {worstRow} of {rows} seeded rows changed output '{worstOutput}' by {worstDifference:G4} when run in one batch instead of alone{sized}");
    }

    private static string Agreement(double tolerance, bool exact) => (tolerance > 0, exact) switch
    {
        (true, true) => $"floating values within {tolerance:0.#####} relative, others exactly",
        (true, false) => $"within {tolerance:0.#####} relative",
        _ => "exactly",
    };

    /// <summary>Where the seeded rows' dynamic dimensions besides the batch came from, for the reason; empty when there are none.</summary>
    private static string Sized(InputPlan plan, TypedBatchSignature signature)
    {
        if (signature.DynamicDimensions.Count == 0) return "";
        var sizes = new List<string>(signature.DynamicDimensions.Count);
        foreach (var key in signature.DynamicDimensions)
        {
            foreach (var input in plan.Inputs)
            {
                var d = Enumerable.Range(1, input.Declared.Rank - 1).FirstOrDefault(d => !input.Declared.Dimensions[d].IsFixed && RepresentativeSizes.KeyOf(input.Declared, d) == key);
                if (d == 0) continue;
                sizes.Add($"{key}={input.Shape[d]}");
                break;
            }
        }
        return $", with dynamic dimensions {string.Join(", ", sizes)}";
    }

    /// <summary>The largest difference between two rows and its size relative to the larger magnitude (at least 1).</summary>
    private static (double Difference, double Relative) Largest(double[] a, double[] b)
    {
        var (worstDifference, worstRelative) = (0.0, 0.0);
        for (var i = 0; i < a.Length; i++)
        {
            var difference = Math.Abs(a[i] - b[i]);
            var relative = double.IsNaN(a[i]) || double.IsNaN(b[i]) ? (double.IsNaN(a[i]) && double.IsNaN(b[i]) ? 0 : double.PositiveInfinity)
                : difference / Math.Max(1.0, Math.Max(Math.Abs(a[i]), Math.Abs(b[i])));
            if (relative > worstRelative) (worstDifference, worstRelative) = (difference, relative);
        }
        return (worstDifference, worstRelative);
    }

    /// <summary>A floating tensor's values as doubles; null for integers, bools and strings.</summary>
    private static double[]? Floating(InferenceTensor tensor) => tensor.ElementType switch
    {
        OnnxElementType.Float32 => [.. tensor.Values<float>().ToArray().Select(v => (double)v)],
        OnnxElementType.Float64 => tensor.Values<double>().ToArray(),
        OnnxElementType.Float16 => [.. tensor.Values<Float16>().ToArray().Select(v => (double)v.ToFloat())],
        OnnxElementType.BFloat16 => [.. tensor.Values<BFloat16>().ToArray().Select(v => (double)v.ToFloat())],
        _ => null,
    };
}
