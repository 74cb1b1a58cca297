using System.Globalization;
using System.Text;
using Portal.Engine.Inference;

namespace Portal.Server.Serving;

/// <summary>
/// How typed requests (<see cref="TypedBatchSignature"/>) are merged into one run and its outputs handed back: only
/// requests of one <see cref="Key"/> run together (every input's dimensions after the first agree, and the same
/// outputs are wanted), each input laid end to end along its first dimension, each output cut back along it.
/// </summary>
internal static class TypedBatch
{
    /// <summary>
    /// What a request must share with another to run in one batch: the dimensions after the first of each input, in
    /// the model's order, and the outputs wanted. Null when the request cannot join a batch: an input is missing or has
    /// no rows dimension, its inputs disagree on <paramref name="rows"/>, or it wants an output the model lacks.
    /// </summary>
    public static string? Key(TypedBatchSignature signature, IReadOnlyDictionary<string, InferenceTensor> inputs, IReadOnlyList<string> outputs, int rows)
    {
        if (rows < 1 || inputs.Count != signature.Inputs.Count) return null;
        var key = new StringBuilder();
        foreach (var declared in signature.Inputs)
        {
            if (!inputs.TryGetValue(declared.Name, out var tensor) || tensor.Rank < 1 || tensor.Shape[0] != rows) return null;
            for (var d = 1; d < tensor.Rank; d++) key.Append(tensor.Shape[d].ToString(CultureInfo.InvariantCulture)).Append(',');
            key.Append(';');
        }
        var wanted = 0;
        for (var o = 0; o < signature.Outputs.Count; o++)
        {
            if (!outputs.Contains(signature.Outputs[o].Name)) continue;
            key.Append(o.ToString(CultureInfo.InvariantCulture)).Append(' ');
            wanted++;
        }
        return wanted == outputs.Count ? key.ToString() : null;
    }

    /// <summary>The jobs' inputs (all of one key), each laid end to end along its first dimension; a lone job's own.</summary>
    public static IReadOnlyDictionary<string, InferenceTensor> Merge(ReadOnlySpan<InferenceJob> jobs)
    {
        var first = jobs[0].TypedInputs ?? throw new ArgumentException("The first job holds no typed inputs.", nameof(jobs));
        if (jobs.Length == 1) return first;
        var merged = new Dictionary<string, InferenceTensor>(first.Count, StringComparer.Ordinal);
        var parts = new InferenceTensor[jobs.Length];
        foreach (var name in first.Keys)
        {
            for (var j = 0; j < jobs.Length; j++)
                parts[j] = (jobs[j].TypedInputs ?? throw new ArgumentException($"Job {j} holds no typed inputs.", nameof(jobs)))[name];
            merged[name] = InferenceTensor.ConcatRows(parts);
        }
        return merged;
    }

    /// <summary>
    /// Hands each job its own rows of every output of the merged run, in order; a lone job gets the run's outputs as
    /// they are. Every output of a merged run must come back with the batch first, <paramref name="rows"/> long;
    /// otherwise it cannot be cut and the whole run fails.
    /// </summary>
    /// <exception cref="ServingException">An output's first dimension is not the merged rows.</exception>
    public static void Split(IReadOnlyDictionary<string, InferenceTensor> results, ReadOnlySpan<InferenceJob> jobs, int rows)
    {
        if (jobs.Length == 1)
        {
            jobs[0].TypedOutputs = results;
            return;
        }
        foreach (var (name, tensor) in results)
        {
            if (tensor.Rank < 1 || tensor.Shape[0] != rows)
                throw new ServingException(StatusCodes.Status500InternalServerError,
                    $"Output '{name}' came back as {tensor.ShapeText} for {rows} merged rows, not with the batch first, so the run cannot be cut back into its requests.");
        }
        var start = 0;
        foreach (var job in jobs)
        {
            var own = new Dictionary<string, InferenceTensor>(results.Count, StringComparer.Ordinal);
            foreach (var (name, tensor) in results) own[name] = tensor.Rows(start, job.Rows);
            job.TypedOutputs = own;
            start += job.Rows;
        }
    }
}
