using System.Buffers;
using System.Diagnostics;
using Portal.Engine.Inference;

namespace Portal.Server.Serving;

/// <summary>
/// One request's rows on their way through a served version: its input (float features pooled, parsed straight from
/// the JSON; a token model's ids, <see cref="Length"/> per row; or typed tensors), its output (pooled, written by the
/// run; or typed tensors cut from a merged run) and the moment it was queued. Completed by the batching thread.
/// </summary>
internal sealed class InferenceJob(float[] input, int rows, int outputValues)
    : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
{
    /// <summary>A token model's rows: <paramref name="rows"/> rows of <paramref name="length"/> ids each.</summary>
    public InferenceJob(ReadOnlyMemory<long> tokens, int rows, int length, int outputValues) : this([], rows, outputValues)
    {
        Tokens = tokens;
        Length = length;
    }

    /// <summary>A typed request's rows: its tensors by input name, the outputs it wants and its <see cref="TypedBatch.Key"/>.</summary>
    public InferenceJob(IReadOnlyDictionary<string, InferenceTensor> inputs, IReadOnlyList<string> outputs, int rows, string key) : this([], rows, 0)
    {
        TypedInputs = inputs;
        OutputNames = outputs;
        Key = key;
    }

    public float[] Input { get; } = input;

    /// <summary>A typed request's tensors by input name; null for float features and token ids.</summary>
    public IReadOnlyDictionary<string, InferenceTensor>? TypedInputs { get; }

    /// <summary>The outputs a typed request wants, in the model's order.</summary>
    public IReadOnlyList<string> OutputNames { get; } = [];

    /// <summary>Which typed requests may run together: only those of one key are merged.</summary>
    public string Key { get; } = "";

    /// <summary>A typed request's outputs, its own rows of the run, set before the job completes.</summary>
    public IReadOnlyDictionary<string, InferenceTensor>? TypedOutputs { get; set; }

    /// <summary>A token model's ids, rows end to end; empty for float features.</summary>
    public ReadOnlyMemory<long> Tokens { get; }

    /// <summary>Tokens per row of <see cref="Tokens"/>.</summary>
    public int Length { get; }

    public int Rows { get; } = rows;
    public float[] Output { get; } = ArrayPool<float>.Shared.Rent(Math.Max(1, outputValues));
    public int OutputValues { get; } = outputValues;
    public long QueuedAt { get; set; } = Stopwatch.GetTimestamp();
    public double QueueSeconds { get; set; }

    public void ReturnOutput() => ArrayPool<float>.Shared.Return(Output);
}

/// <summary>A request refused or failed by serving itself; <see cref="Status"/> is the HTTP status of the protocol's error.</summary>
public sealed class ServingException(int status, string message, Exception? inner = null) : Exception(message, inner)
{
    public int Status { get; } = status;
}
