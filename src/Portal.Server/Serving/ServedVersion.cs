using System.Diagnostics;
using Portal.Contracts.Serving;
using Portal.Engine.Evaluation;
using Portal.Engine.Inference;
using Portal.Engine.Onnx;

namespace Portal.Server.Serving;

/// <summary>
/// One model version loaded and warm for one deployment (as its holder or its canary): the engine's session, its
/// batcher, its metrics and its sliding window. A model of one FP32 input [batch, …fixed] runs its first output
/// through the pooled float path (<see cref="Batched"/>), batched; a token model its ids (<see cref="Tokens"/>); any
/// other signature runs typed tensors (<see cref="InferTyped"/>), batched when every input and output has the batch
/// first (<see cref="Typed"/>), else one request at a time, as do requests of the first two paths for other outputs.
/// Reference counted: the deployment holds one reference while the version is routed to, each request one while it
/// runs; the session is released when the last one goes, so a swap never frees a session under a request in flight.
/// </summary>
public sealed class ServedVersion
{
    private readonly InferenceModel _session;
    private readonly ServingMeter _meter;
    private readonly IServingObserver[] _observers;
    private readonly Func<BatchingSettings> _settings;
    private readonly Func<bool> _forced;
    private readonly Lock _observerGate = new();
    private readonly VersionBatcher? _batcher;
    private readonly System.Diagnostics.TagList _tags;
    private int _references = 1;
    private int _inline;

    internal ServedVersion(string model, string alias, Guid versionId, int number, bool isCanary, InferenceModel session,
        ServingMeter meter, IEnumerable<IServingObserver> observers, Func<BatchingSettings> settings, LatencyWindow window, int batchWorkers,
        BatchIndependence independence, Func<bool> forced, IReadOnlyList<string> classNames, double tokenRunCost)
    {
        var signature = session.BatchedFloat;
        Model = model;
        Alias = alias;
        VersionId = versionId;
        Number = number;
        IsCanary = isCanary;
        _session = session;
        _meter = meter;
        _observers = [.. observers];
        _settings = settings;
        _forced = forced;
        Independence = independence;
        Window = window;
        Batched = signature;
        ClassNames = classNames;
        TokenRunCost = tokenRunCost;
        Classifier = session.Outputs.Count > 0 && Classification.Misfit(session.Outputs[0], 1) is null
            && session.Outputs[0].Dimensions[1].Size == classNames.Count ? session.Outputs[0] : null;
        _tags = ServingMeter.Tags(model, alias, number, isCanary);
        Tokens = signature is null ? session.BatchedTokens : null;
        PaddingId = session.TokenPaddingId;
        Typed = signature is null && Tokens is null ? session.BatchedTyped : null;
        BatchedSignature? merged = signature ?? (BatchedSignature?)Tokens;
        if (merged is null)
        {
            if (Typed is not null) _batcher = new VersionBatcher(this, settings, batchWorkers);
            return;
        }
        Output = session.Outputs.First(o => o.Name == merged.OutputName);
        InputWidth = signature?.InputValuesPerSample ?? 0;
        OutputWidth = merged.OutputValuesPerSample;
        FixedBatch = merged.FixedBatch;
        // Batching needs a dynamic batch dimension; a fixed-batch model runs each request as it comes.
        if (FixedBatch is null) _batcher = new VersionBatcher(this, settings, batchWorkers);
    }

    public string Model { get; }
    public string Alias { get; }
    public Guid VersionId { get; }
    public int Number { get; }
    public bool IsCanary { get; }
    public IReadOnlyList<OnnxTensorInfo> Inputs => _session.Inputs;
    public IReadOnlyList<OnnxTensorInfo> Outputs => _session.Outputs;

    /// <summary>The texts the version takes in place of its token ids (its file carries its tokenizer), or null; see <see cref="TextReason"/>.</summary>
    public TextInput? Text => _session.Text;

    /// <summary>Why the version takes no text; empty when it does.</summary>
    public string TextReason => _session.TextReason;

    /// <summary>The version's class names by output index, as registered; empty for a model without classes.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The first output when it is a classifier's [batch, classes] with a registered name for each class; else null.</summary>
    public OnnxTensorInfo? Classifier { get; }

    /// <summary>The pooled FP32 path's signature, or null when the model has another (then every request runs typed).</summary>
    public BatchedFloatSignature? Batched { get; }

    /// <summary>
    /// A token model's batched path (one input of token ids [batch, sequence], a float first output), or null: requests
    /// of ids or texts that want only that output are merged like the FP32 path's.
    /// </summary>
    public BatchedTokenSignature? Tokens { get; }

    /// <summary>
    /// A model outside both paths whose every input and output has the batch first, or null: its requests are merged
    /// when their dimensions after the batch agree and they want the same outputs (<see cref="TypedBatch"/>).
    /// </summary>
    public TypedBatchSignature? Typed { get; }

    /// <summary>The padding id the model declares (a Portal spec, whose graph masks it): rows of different lengths are padded with it to be merged.</summary>
    public int? PaddingId { get; }

    /// <summary>What one run costs before its first token, in token-rows (<see cref="Serving.TokenRunCost"/>); 0 when unmeasured.</summary>
    public double TokenRunCost { get; }

    /// <summary>The output the pooled FP32 path (or the token path) returns; null without <see cref="Batched"/> or <see cref="Tokens"/>.</summary>
    public OnnxTensorInfo? Output { get; }

    /// <summary>Whether a row's answer is independent of the other rows in its batch, as registration recorded it.</summary>
    public BatchIndependence Independence { get; }

    /// <summary>Whether this version's requests are batched now, and which rule says so.</summary>
    public BatchingRule Batching => BatchingRule.Of(Unbatchable, Independence, _settings(), _forced(), Merging);

    private string? Unbatchable => Batched is null && Tokens is null && Typed is null
        ? $"requests run one at a time: {_session.TypedBatchReason}"
        : FixedBatch is long fixedBatch ? $"the batch dimension is fixed at {fixedBatch}" : null;

    /// <summary>How a token model's requests of different sequence lengths, or a typed model's of different shapes, are merged; null for float features.</summary>
    private string? Merging => Typed is not null ? TypedMerging
        : Tokens is null ? null
        : Tokens.FixedLength is int fixedLength ? $"every sequence is {fixedLength} tokens"
        : PaddingId is int padding ? $"requests are run in groups of similar length, padded with id {padding} to the longest in their group, which the model masks"
        : "only requests of the same sequence length are run together: the model declares no padding";

    private string? TypedMerging
    {
        get
        {
            var dimensions = Typed!.DynamicDimensions.Count == 0 ? null
                : $"requests are merged only when their non-batch dimensions agree ({string.Join(", ", Typed.DynamicDimensions.Select(d => $"'{d}'"))} vary)";
            var outputs = Typed.Outputs.Count > 1 ? "ask for the same outputs" : null;
            return (dimensions, outputs) switch
            {
                (null, null) => null,
                (null, _) => $"requests are merged when they {outputs}",
                (_, null) => dimensions,
                _ => $"{dimensions} and they {outputs}",
            };
        }
    }

    public int InputWidth { get; }
    public int OutputWidth { get; }
    public long? FixedBatch { get; }

    public string InputsText => string.Join(", ", Inputs);
    public string OutputsText => string.Join(", ", Outputs);
    public LatencyWindow Window { get; }

    /// <summary>The window as the publisher last read it (each second).</summary>
    public WindowSnapshot? LastWindow { get; internal set; }

    public int QueueDepth => (_batcher?.Depth ?? 0) + Volatile.Read(ref _inline);

    internal System.Diagnostics.TagList Tags => _tags;

    /// <summary>Takes a reference for one request; false when the version has been released (the caller routes again).</summary>
    public bool TryAcquire()
    {
        var current = Volatile.Read(ref _references);
        while (current > 0)
        {
            var seen = Interlocked.CompareExchange(ref _references, current + 1, current);
            if (seen == current) return true;
            current = seen;
        }
        return false;
    }

    /// <summary>Gives a reference back; the last one stops the batcher and frees the session.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) != 0) return;
        _batcher?.Dispose();
        _session.Dispose();
    }

    /// <summary>Runs <paramref name="rows"/> rows of a request (its input checked) and returns when its outputs are in the job.</summary>
    internal async Task Infer(InferenceJob job)
    {
        var settings = _settings();
        if (Batches(settings))
        {
            Enqueue(job, settings);
            await job.Task;
            _meter.Queued(_tags, job.QueueSeconds);
            return;
        }
        EnterInline(settings);
        try
        {
            var start = Stopwatch.GetTimestamp();
            if (Tokens is null) RunMerged(job.Input.AsMemory(0, job.Rows * InputWidth), job.Rows, job.Output.AsMemory(0, job.OutputValues), start);
            else RunMergedTokens(job.Tokens, job.Rows, job.Length, job.Output.AsMemory(0, job.OutputValues), start);
        }
        finally
        {
            Interlocked.Decrement(ref _inline);
        }
    }

    private bool Batches(BatchingSettings settings) => _batcher is not null && settings.IsBatching && (Independence.Independent || _forced());

    /// <summary>Hands the job to the batcher, or refuses it with 503 when the queue is full.</summary>
    private void Enqueue(InferenceJob job, BatchingSettings settings)
    {
        if (!_batcher!.TryEnqueue(job))
            throw new ServingException(StatusCodes.Status503ServiceUnavailable,
                $"The queue of model '{Model}' version {Number} is full ({settings.MaxQueueSize} requests waiting); retry later.");
    }

    /// <summary>
    /// Runs one request's typed tensors (checked against the signature) and returns the outputs named. A model of
    /// <see cref="Typed"/> signature merges it with other requests of its <see cref="TypedBatch.Key"/> when it batches;
    /// else it runs alone, counted towards the same limit of requests in flight as an unbatched version.
    /// </summary>
    internal async Task<IReadOnlyDictionary<string, InferenceTensor>> InferTyped(IReadOnlyDictionary<string, InferenceTensor> inputs, IReadOnlyList<string> outputs, int rows)
    {
        var settings = _settings();
        if (Typed is { } typed && Batches(settings) && TypedBatch.Key(typed, inputs, outputs, rows) is { } key)
        {
            try
            {
                _session.Check(inputs);
            }
            catch (InferenceInputException e)
            {
                throw new ServingException(StatusCodes.Status400BadRequest, e.Message, e);
            }
            var job = new InferenceJob(inputs, outputs, rows, key);
            try
            {
                Enqueue(job, settings);
                await job.Task;
                _meter.Queued(_tags, job.QueueSeconds);
                return job.TypedOutputs!;
            }
            finally
            {
                job.ReturnOutput();
            }
        }
        EnterInline(settings);
        try
        {
            var start = Stopwatch.GetTimestamp();
            IReadOnlyDictionary<string, InferenceTensor> results;
            try
            {
                results = _session.Run(inputs, outputs);
            }
            catch (InferenceInputException e)
            {
                throw new ServingException(StatusCodes.Status400BadRequest, e.Message, e);
            }
            catch (InferenceRunException e)
            {
                throw RunFailed(e);
            }
            Ran(rows, start);
            return results;
        }
        finally
        {
            Interlocked.Decrement(ref _inline);
        }
    }

    /// <summary>Counts a request run on its own thread, or refuses it with 503 when the queue size already runs.</summary>
    private void EnterInline(BatchingSettings settings)
    {
        if (Interlocked.Increment(ref _inline) <= settings.MaxQueueSize) return;
        Interlocked.Decrement(ref _inline);
        throw new ServingException(StatusCodes.Status503ServiceUnavailable,
            $"Model '{Model}' version {Number} already runs {settings.MaxQueueSize} requests; retry later.");
    }

    /// <summary>One ONNX Runtime run of merged rows, its metrics, then every observer.</summary>
    internal void RunMerged(ReadOnlyMemory<float> input, int rows, Memory<float> output, long start)
    {
        try
        {
            _session.Run(input.Span, rows, output.Span);
        }
        catch (Exception e) when (e is InferenceRunException or InferenceInputException)
        {
            throw RunFailed(e);
        }
        Ran(rows, start);
        if (_observers.Length > 0) Tell(new ServedBatch(Model, Alias, VersionId, rows, InputWidth, input, OutputWidth, output));
    }

    /// <summary>One ONNX Runtime run of merged token rows (<paramref name="length"/> ids each, checked before they were merged), its metrics, then every observer.</summary>
    internal void RunMergedTokens(ReadOnlyMemory<long> ids, int rows, int length, Memory<float> output, long start)
    {
        try
        {
            _session.RunTokens(ids.Span, rows, output.Span);
        }
        catch (Exception e) when (e is InferenceRunException or InferenceInputException)
        {
            throw RunFailed(e);
        }
        Ran(rows, start);
        if (_observers.Length > 0) Tell(new ServedBatch(Model, Alias, VersionId, rows, length, ReadOnlyMemory<float>.Empty, OutputWidth, output) { Tokens = ids });
    }

    /// <summary>One ONNX Runtime run of merged typed requests (each checked before it was merged), and its metrics; observers see float and token runs only.</summary>
    internal IReadOnlyDictionary<string, InferenceTensor> RunMergedTyped(IReadOnlyDictionary<string, InferenceTensor> inputs, IReadOnlyList<string> outputs, int rows, long start)
    {
        IReadOnlyDictionary<string, InferenceTensor> results;
        try
        {
            results = _session.Run(inputs, outputs);
        }
        catch (Exception e) when (e is InferenceRunException or InferenceInputException)
        {
            throw RunFailed(e);
        }
        Ran(rows, start);
        return results;
    }

    private ServingException RunFailed(Exception e) =>
        new(StatusCodes.Status500InternalServerError, $"Model '{Model}' version {Number} failed to run: {e.Message}", e);

    private void Ran(int rows, long start)
    {
        _meter.Ran(_tags, rows, Stopwatch.GetElapsedTime(start).TotalSeconds);
        Window.RecordBatch(rows);
    }

    /// <summary>Observers are told one batch at a time per version, whichever thread ran it.</summary>
    private void Tell(ServedBatch batch)
    {
        lock (_observerGate)
        {
            foreach (var observer in _observers) observer.Observe(batch);
        }
    }

    internal void Succeeded(int rows, double seconds)
    {
        _meter.Succeeded(_tags, rows, seconds);
        Window.RecordSuccess(seconds);
    }

    internal void Failed(double seconds)
    {
        _meter.Failed(_tags, seconds);
        Window.RecordFailure(seconds);
    }

    /// <summary>
    /// Runs inputs through the session at batch 1 and at the batch size, so the first request finds it warm: zeros on
    /// the pooled FP32 path; seeded inputs for a typed model that batches (<see cref="InferenceModel.BatchedTyped"/>),
    /// each dynamic dimension besides the batch at its representative default size. A padded token model is warmed by
    /// <see cref="Serving.TokenRunCost"/>'s timed runs; any other model is not warmed: it has no batch to size.
    /// </summary>
    internal static void WarmUp(InferenceModel session, int runs, int batchSize)
    {
        if (session.BatchedFloat is { } signature)
        {
            var batches = signature.FixedBatch is long fixedBatch ? [(int)fixedBatch] : new[] { 1, Math.Max(1, batchSize) };
            foreach (var batch in batches)
            {
                var input = new float[batch * signature.InputValuesPerSample];
                var output = new float[batch * signature.OutputValuesPerSample];
                for (var i = 0; i < Math.Max(1, runs); i++) session.Run(input, batch, output);
            }
            return;
        }
        if (session.BatchedTyped is null || InputPlan.TryCreate(session.Inputs, RepresentativeSizes.Default, out _) is not { BatchKey: not null } plan) return;
        try
        {
            foreach (var batch in new[] { 1, Math.Max(1, batchSize) })
            {
                var inputs = plan.Tensors(batch);
                for (var i = 0; i < Math.Max(1, runs); i++) session.Run(inputs);
            }
        }
        catch (Exception e) when (e is InferenceRunException or InferenceInputException)
        {
            // Seeded values the model refuses (an index past the end of its table, say): it is served cold.
        }
    }

    public override string ToString() => $"{Model}/{Alias} v{Number}{(IsCanary ? " (canary)" : "")}";
}
