using System.Buffers;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Onnx;

namespace Portal.Engine.Inference;

/// <summary>
/// An ONNX model loaded into an ONNX Runtime session. Safe to run from many threads at once; every tensor is
/// checked against the model's declared inputs before the runtime sees it. Dispose waits for runs in flight.
/// </summary>
public sealed class InferenceModel : IDisposable
{
    // Shapes of the fast path are cached per batch size: ONNX Runtime copies them, so one array serves every thread.
    private const int CachedBatchSizes = 1024;

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly FastPathBindings? _fastPath;
    private readonly long[]?[] _fastInputShapes = new long[]?[CachedBatchSizes + 1];
    private readonly long[]?[] _fastOutputShapes = new long[]?[CachedBatchSizes + 1];
    private readonly OnnxTensorInfo? _fastOutput;
    private readonly string _fastPathReason;
    private readonly string _textReason = "it takes float features, not token ids";
    private readonly string _typedReason = "it runs on the pooled FP32 path or the token path";
    private int _activeRuns;
    private int _disposed;

    private InferenceModel(string name, OnnxModelInfo info, InferenceSession session, ExecutionProviderInfo provider, InferenceOptions options)
    {
        Name = name;
        Info = info;
        _session = session;
        ExecutionProvider = provider;
        Options = options;
        Inputs = [.. session.InputNames.Select(n => Describe(n, session.InputMetadata[n], info.Inputs))];
        Outputs = [.. session.OutputNames.Select(n => Describe(n, session.OutputMetadata[n], info.Outputs))];
        BatchedFloat = BatchedFloatSignature.TryCreate(Inputs, Outputs, out _fastPathReason);
        if (BatchedFloat is not null)
        {
            _fastPath = new FastPathBindings(session, _runOptions, BatchedFloat.InputName, BatchedFloat.OutputName);
            _fastOutput = Outputs.First(o => o.Name == BatchedFloat.OutputName);
        }
        else
        {
            var spec = PortalSpec(info);
            BatchedTokens = BatchedTokenSignature.TryCreate(Inputs, Outputs, spec);
            TokenPaddingId = BatchedTokens is null ? null : spec?.Tokens?.PaddingId;
            Text = TextInput.TryCreate(info, BatchedTokens, spec, out _textReason);
            if (BatchedTokens is null) BatchedTyped = TypedBatchSignature.TryCreate(Inputs, Outputs, out _typedReason);
        }
    }

    /// <summary>The file name, or the name given with the bytes; used in every message.</summary>
    public string Name { get; }

    /// <summary>What the file declares (format versions, producer, metadata), as read before loading.</summary>
    public OnnxModelInfo Info { get; }

    public IReadOnlyDictionary<string, string> Metadata => Info.Metadata;

    /// <summary>Inputs as ONNX Runtime sees them (initializers excluded), symbolic dimensions by name.</summary>
    public IReadOnlyList<OnnxTensorInfo> Inputs { get; }

    public IReadOnlyList<OnnxTensorInfo> Outputs { get; }

    public ExecutionProviderInfo ExecutionProvider { get; }

    public InferenceOptions Options { get; }

    /// <summary>The shape the fast <see cref="Run(ReadOnlySpan{float}, int, Span{float})"/> runs, or null when the model has another.</summary>
    public BatchedFloatSignature? BatchedFloat { get; }

    /// <summary>A token model's batched run (int64 ids [batch, sequence], sent as floats), or null when the model has another shape.</summary>
    public BatchedTokenSignature? BatchedTokens { get; }

    /// <summary>The padding id a Portal spec declares for its token input (its graph masks that id); null for other files.</summary>
    public int? TokenPaddingId { get; }

    /// <summary>The raw text the model takes in place of its token ids (its file carries its tokenizer), or null; see <see cref="TextReason"/>.</summary>
    public TextInput? Text { get; }

    /// <summary>Why the model takes no text (<see cref="Text"/> is null); empty when it does.</summary>
    public string TextReason => Text is null ? _textReason : "";

    /// <summary>
    /// How requests of a model outside both batched runs (<see cref="Batched"/> is null) are merged for
    /// <see cref="Run(IReadOnlyDictionary{string, InferenceTensor}, IReadOnlyList{string})"/>, or null when they cannot be; see <see cref="TypedBatchReason"/>.
    /// </summary>
    public TypedBatchSignature? BatchedTyped { get; }

    /// <summary>Why requests are not merged as typed tensors (<see cref="BatchedTyped"/> is null); empty when they are.</summary>
    public string TypedBatchReason => BatchedTyped is null ? _typedReason : "";

    /// <summary>What <see cref="Run(ReadOnlySpan{float}, int, Span{float})"/> takes: float features or token ids; null when it cannot run the model.</summary>
    public BatchedSignature? Batched => BatchedFloat ?? (BatchedSignature?)BatchedTokens;

    public static InferenceModel Load(string path, InferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxFormatException($"Cannot read ONNX file '{path}': {e.Message}", e);
        }
        return Load(bytes, Path.GetFileName(path), $"File '{path}'", options);
    }

    /// <param name="name">How messages name this model; defaults to the graph's name.</param>
    public static InferenceModel Load(byte[] bytes, InferenceOptions? options = null, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return Load(bytes, name, name is null ? "The ONNX data" : $"Model '{name}'", options);
    }

    /// <summary>The execution provider a model loaded with these options would use, and why.</summary>
    public static ExecutionProviderInfo DescribeExecutionProvider(InferenceOptions? options = null) =>
        SessionConfiguration.Describe(options ?? InferenceOptions.Default);

    private static InferenceModel Load(byte[] bytes, string? name, string source, InferenceOptions? options)
    {
        options ??= InferenceOptions.Default;
        // Our own parse first: a file that is not ONNX, or is cut short, gets a precise message instead of the runtime's.
        var info = OnnxInspector.Describe(OnnxInspector.Parse(bytes, source), bytes.Length);
        var modelName = name ?? (string.IsNullOrEmpty(info.GraphName) ? "model" : info.GraphName);
        using var sessionOptions = SessionConfiguration.Create(options, out var provider);
        InferenceSession session;
        try
        {
            session = new InferenceSession(bytes, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxFormatException($"ONNX Runtime refused model '{modelName}': {e.Message}", e);
        }
        try
        {
            return new InferenceModel(modelName, info, session, provider, options);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The fast path: <paramref name="batch"/> samples laid end to end in <paramref name="input"/>, results written
    /// into <paramref name="output"/> (caller-owned, reusable). Both are pinned for the call; nothing is copied.
    /// Returns the number of values written. A token model (<see cref="BatchedTokens"/>) takes its ids here as
    /// float values, each sample <c>input.Length / batch</c> tokens long; they are checked and converted to int64.
    /// </summary>
    public unsafe int Run(ReadOnlySpan<float> input, int batch, Span<float> output)
    {
        if (BatchedFloat is null && BatchedTokens is { } tokens) return RunTokenIds(tokens, input, batch, output);
        var signature = BatchedFloat ?? throw new InvalidOperationException($"Model '{Name}' cannot use the batched float run: {_fastPathReason}. Use Run(inputs).");
        if (batch <= 0)
            throw new InferenceInputException($"Input '{signature.InputName}' of model '{Name}': batch must be positive, not {batch}.");
        if (signature.FixedBatch is long fixedBatch && fixedBatch != batch)
            throw new InferenceInputException($"Input {Inputs[0]} of model '{Name}' takes exactly {fixedBatch} samples, not {batch}.");
        var inputCount = (long)batch * signature.InputValuesPerSample;
        if (input.Length != inputCount)
            throw new InferenceInputException($"Input {Inputs[0]} of model '{Name}': {batch} samples need {inputCount} values but {input.Length} were given.");
        var outputCount = (long)batch * signature.OutputValuesPerSample;
        if (output.Length < outputCount)
            throw new InferenceInputException($"Output {Outputs[0]} of model '{Name}': {batch} samples give {outputCount} values but the buffer holds {output.Length}.");

        var inputShape = Shape(_fastInputShapes, batch, Inputs[0]);
        var outputShape = Shape(_fastOutputShapes, batch, _fastOutput!);
        Enter();
        try
        {
            fixed (float* inputPointer = input)
            fixed (float* outputPointer = output)
            {
                _fastPath!.Run((nint)inputPointer, inputCount, inputShape, (nint)outputPointer, outputCount, outputShape);
            }
            return (int)outputCount;
        }
        catch (OnnxRuntimeException e)
        {
            throw new InferenceRunException($"ONNX Runtime failed running model '{Name}' on {batch} samples: {e.Message}", e);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>The fast path with a new output array.</summary>
    public float[] Run(ReadOnlySpan<float> input, int batch)
    {
        var signature = Batched ?? throw new InvalidOperationException($"Model '{Name}' cannot use the batched float run: {_fastPathReason}. Use Run(inputs).");
        var output = new float[Math.Max(0L, (long)batch * signature.OutputValuesPerSample)];
        Run(input, batch, output);
        return output;
    }

    private int RunTokenIds(BatchedTokenSignature signature, ReadOnlySpan<float> input, int batch, Span<float> output)
    {
        if (batch <= 0)
            throw new InferenceInputException($"Input '{signature.InputName}' of model '{Name}': batch must be positive, not {batch}.");
        if (input.Length % batch != 0)
            throw new InferenceInputException($"Input {Inputs[0]} of model '{Name}': {input.Length} token ids are not {batch} samples of one length.");
        var length = input.Length / batch;
        if (signature.Misfit(length) is { } misfit)
            throw new InferenceInputException($"Model '{Name}': {misfit}.");
        var ids = ArrayPool<long>.Shared.Rent(input.Length);
        try
        {
            if (TokenIdValues.Convert(input, ids, length, signature.Vocabulary) is { } problem)
                throw new InferenceInputException($"Input '{signature.InputName}' of model '{Name}' {problem}.");
            return RunTokens(ids.AsSpan(0, input.Length), batch, output);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(ids);
        }
    }

    /// <summary>
    /// A token model's batched run (<see cref="BatchedTokens"/>): <paramref name="batch"/> samples of int64 ids laid end
    /// to end, each <c>ids.Length / batch</c> tokens long, results written into <paramref name="output"/>. Every id is
    /// checked to be inside the vocabulary when the model declares it. Returns the number of values written.
    /// </summary>
    public unsafe int RunTokens(ReadOnlySpan<long> ids, int batch, Span<float> output)
    {
        var signature = BatchedTokens ?? throw new InvalidOperationException($"Model '{Name}' takes no token ids [batch, sequence]; use Run(inputs).");
        if (batch <= 0)
            throw new InferenceInputException($"Input '{signature.InputName}' of model '{Name}': batch must be positive, not {batch}.");
        if (signature.FixedBatch is long fixedBatch && fixedBatch != batch)
            throw new InferenceInputException($"Input {Inputs[0]} of model '{Name}' takes exactly {fixedBatch} samples, not {batch}.");
        if (ids.Length % batch != 0)
            throw new InferenceInputException($"Input {Inputs[0]} of model '{Name}': {ids.Length} token ids are not {batch} samples of one length.");
        var length = ids.Length / batch;
        if (signature.Misfit(ids, length) is { } misfit)
            throw new InferenceInputException($"Model '{Name}': {misfit}.");
        var outputCount = (long)batch * signature.OutputValuesPerSample;
        if (output.Length < outputCount)
            throw new InferenceInputException($"Output {Outputs[0]} of model '{Name}': {batch} samples give {outputCount} values but the buffer holds {output.Length}.");
        var outputShape = new long[Outputs[0].Rank];
        outputShape[0] = batch;
        for (var d = 1; d < outputShape.Length; d++) outputShape[d] = Outputs[0].Dimensions[d].Size!.Value;
        Enter();
        try
        {
            fixed (long* idsPointer = ids)
            fixed (float* outputPointer = output)
            {
                using var idsValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Int64, [batch, length], (nint)idsPointer, (long)ids.Length * sizeof(long));
                using var outputValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, outputShape, (nint)outputPointer, outputCount * sizeof(float));
                _session.Run(_runOptions, [signature.InputName], [idsValue], [signature.OutputName], [outputValue]);
            }
            return (int)outputCount;
        }
        catch (OnnxRuntimeException e)
        {
            throw new InferenceRunException($"ONNX Runtime failed running model '{Name}' on {batch} token samples of length {length}: {e.Message}", e);
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>The spec a Portal export carries, for what it tells about token inputs; null for other files or an unreadable spec.</summary>
    private static ModelSpec? PortalSpec(OnnxModelInfo info)
    {
        if (!info.Metadata.TryGetValue(OnnxMetadataKeys.Spec, out var json)) return null;
        try
        {
            return ModelSpec.FromJson(json);
        }
        catch (ModelSpecException)
        {
            return null;
        }
    }

    /// <summary>Runs any model: every declared input by name, tensors of any rank and supported type. Returns every output, copied.</summary>
    public IReadOnlyDictionary<string, InferenceTensor> Run(IReadOnlyDictionary<string, InferenceTensor> inputs) =>
        Run(inputs, [.. Outputs.Select(o => o.Name)]);

    /// <summary>As <see cref="Run(IReadOnlyDictionary{string, InferenceTensor})"/>, computing and returning only the outputs named.</summary>
    public IReadOnlyDictionary<string, InferenceTensor> Run(IReadOnlyDictionary<string, InferenceTensor> inputs, IReadOnlyList<string> outputNames)
    {
        ArgumentNullException.ThrowIfNull(outputNames);
        var (names, tensors) = new TensorCheck(Name).Inputs(Inputs, inputs);
        var requested = new OnnxTensorInfo[outputNames.Count];
        for (var o = 0; o < requested.Length; o++)
        {
            var output = Outputs.FirstOrDefault(d => d.Name == outputNames[o])
                ?? throw new InferenceInputException($"Model '{Name}' has no output '{outputNames[o]}'; its outputs are {string.Join(", ", Outputs)}.");
            if (!ElementTypes.IsSupported(output.ElementType))
                throw new InvalidOperationException($"Output {output} of model '{Name}' has an element type the engine does not return.");
            if (Array.IndexOf(requested, output, 0, o) >= 0)
                throw new InferenceInputException($"Output '{output.Name}' of model '{Name}' was asked for twice.");
            requested[o] = output;
        }
        var values = new List<OrtValue>(tensors.Length);
        Enter();
        try
        {
            foreach (var tensor in tensors) values.Add(tensor.Pin());
            using var results = _session.Run(_runOptions, names, values, outputNames);
            var outputs = new Dictionary<string, InferenceTensor>(requested.Length, StringComparer.Ordinal);
            var i = 0;
            foreach (var result in results)
            {
                var declared = requested[i++];
                if (!result.IsTensor)
                    throw new InvalidOperationException($"Output {declared} of model '{Name}' is not a tensor.");
                var shape = result.GetTensorTypeAndShape().Shape;
                outputs[declared.Name] = ElementTypes.Copy(result, declared.ElementType, shape);
            }
            return outputs;
        }
        catch (OnnxRuntimeException e)
        {
            throw new InferenceRunException($"ONNX Runtime failed running model '{Name}' on inputs {Describe(names, tensors)}: {e.Message}", e);
        }
        finally
        {
            foreach (var value in values) value.Dispose();
            Exit();
        }
    }

    /// <summary>
    /// Checks inputs as <see cref="Run(IReadOnlyDictionary{string, InferenceTensor}, IReadOnlyList{string})"/> would,
    /// without running them: a request is checked before it is merged with others, so that its mistake fails only itself.
    /// </summary>
    /// <exception cref="InferenceInputException">An input is missing, extra, or of another type or shape.</exception>
    public void Check(IReadOnlyDictionary<string, InferenceTensor> inputs) => new TensorCheck(Name).Inputs(Inputs, inputs);

    /// <summary>
    /// Runs any model into caller-owned output tensors (reusable across calls): only the outputs named in
    /// <paramref name="outputs"/> are computed, each written in place. Shapes are checked against what the inputs bind.
    /// </summary>
    public void Run(IReadOnlyDictionary<string, InferenceTensor> inputs, IReadOnlyDictionary<string, InferenceTensor> outputs)
    {
        var check = new TensorCheck(Name);
        var (inputNames, inputTensors) = check.Inputs(Inputs, inputs);
        var (outputNames, outputTensors) = check.Outputs(Outputs, outputs);
        var inputValues = new List<OrtValue>(inputTensors.Length);
        var outputValues = new List<OrtValue>(outputTensors.Length);
        Enter();
        try
        {
            foreach (var tensor in inputTensors) inputValues.Add(tensor.Pin());
            foreach (var tensor in outputTensors) outputValues.Add(tensor.Pin());
            _session.Run(_runOptions, inputNames, inputValues, outputNames, outputValues);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InferenceRunException($"ONNX Runtime failed running model '{Name}' on inputs {Describe(inputNames, inputTensors)} into outputs {Describe(outputNames, outputTensors)}: {e.Message}", e);
        }
        finally
        {
            foreach (var value in inputValues) value.Dispose();
            foreach (var value in outputValues) value.Dispose();
            Exit();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        // Runs that entered before the flag was set finish first: a session freed under a running call would crash the process.
        SpinWait.SpinUntil(() => Volatile.Read(ref _activeRuns) == 0);
        _fastPath?.Dispose();
        _session.Dispose();
        _runOptions.Dispose();
    }

    public override string ToString() =>
        $"{Name}: inputs {string.Join(", ", Inputs)}; outputs {string.Join(", ", Outputs)}; {ExecutionProvider.Device}";

    private void Enter()
    {
        Interlocked.Increment(ref _activeRuns);
        if (Volatile.Read(ref _disposed) == 1)
        {
            Interlocked.Decrement(ref _activeRuns);
            throw new ObjectDisposedException(nameof(InferenceModel), $"Model '{Name}' has been disposed.");
        }
    }

    private void Exit() => Interlocked.Decrement(ref _activeRuns);

    private static long[] Shape(long[]?[] cache, int batch, OnnxTensorInfo declared)
    {
        if (batch <= CachedBatchSizes && cache[batch] is { } cached) return cached;
        var shape = new long[declared.Rank];
        shape[0] = batch;
        for (var d = 1; d < shape.Length; d++) shape[d] = declared.Dimensions[d].Size!.Value;
        if (batch <= CachedBatchSizes) cache[batch] = shape;
        return shape;
    }

    /// <param name="declared">The file's own declarations: ONNX Runtime reports a tensor of no declared shape as rank 0, like a scalar.</param>
    private static OnnxTensorInfo Describe(string name, NodeMetadata metadata, IReadOnlyList<OnnxTensorInfo> declared)
    {
        if (metadata.OnnxValueType != OnnxValueType.ONNX_TYPE_TENSOR)
            return new OnnxTensorInfo(name, OnnxElementType.Undefined, []);
        var dims = new OnnxDimension[metadata.Dimensions.Length];
        for (var d = 0; d < dims.Length; d++)
        {
            var symbol = d < metadata.SymbolicDimensions.Length ? metadata.SymbolicDimensions[d] : "";
            dims[d] = metadata.Dimensions[d] >= 0 ? OnnxDimension.Fixed(metadata.Dimensions[d])
                : string.IsNullOrEmpty(symbol) ? OnnxDimension.Unknown
                : OnnxDimension.Symbolic(symbol);
        }
        var rankKnown = dims.Length > 0 || declared.FirstOrDefault(t => t.Name == name)?.RankKnown != false;
        return new OnnxTensorInfo(name, (OnnxElementType)(int)metadata.ElementDataType, dims, rankKnown);
    }

    private static string Describe(string[] names, InferenceTensor[] tensors) =>
        string.Join(", ", names.Select((n, i) => $"'{n}' {tensors[i]}"));
}
