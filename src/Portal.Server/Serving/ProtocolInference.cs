using Portal.Engine.Inference;
using Portal.Engine.Onnx;

namespace Portal.Server.Serving;

/// <summary>An output a caller asks for by name; with <see cref="Classification"/> its top k classes instead of its values.</summary>
public sealed record OutputRequest(string Name, int? Classification = null);

/// <summary>One output of an answer, named as the protocol answers it.</summary>
public sealed record OutputTensor(string Name, InferenceTensor Tensor);

/// <summary>
/// What a served version answered: the outputs as /v2 returns them, the rows run, and, for a classifier (a version
/// with a name for each class of its first output), every row's classes, the most probable first.
/// </summary>
public sealed record InferenceAnswer(IReadOnlyList<OutputTensor> Outputs, int Rows, IReadOnlyList<ClassScore[]>? Classes);

/// <summary>
/// Inference on a served version from typed inputs: what POST /v2/…/infer runs once the request is read, and what
/// an in-process caller (the portal's pages) runs. Texts come as one BYTES input <c>text</c> of shape [n] or [n, 1]
/// in place of a token model's ids, when the version carries its tokenizer; they are tokenized as training did.
/// An output asked for with a classification of k comes back as Triton's classification extension writes it:
/// BYTES [n, k] of <c>probability:index:name</c>. A text request that names no outputs gets every output of the
/// model and, for a classifier, each text's most probable class: <c>class_index</c> INT64 [n], <c>probability</c>
/// FP32 [n] and <c>class</c> BYTES [n] (the class name). Refusals are <see cref="ServingException"/>s (400) naming the tensor.
/// </summary>
public static class ProtocolInference
{
    public const string ClassIndexOutput = "class_index";
    public const string ProbabilityOutput = "probability";
    public const string ClassOutput = "class";

    /// <summary>Runs <paramref name="inputs"/> (by input name, or <c>text</c>) on <paramref name="version"/>, whose reference the caller holds.</summary>
    /// <param name="outputs">The outputs wanted; none means every output (and, for texts, the class outputs).</param>
    public static async Task<InferenceAnswer> Run(ServedVersion version, IReadOnlyDictionary<string, InferenceTensor> inputs, IReadOnlyList<OutputRequest> outputs)
    {
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var texts = TextsOf(version, inputs);
        var modelInputs = texts is null ? inputs : new Dictionary<string, InferenceTensor> { [version.Text!.TokenInputName] = version.Text.Encode(texts) };
        var wanted = outputs.Count > 0 ? outputs : [.. version.Outputs.Select(o => new OutputRequest(o.Name))];
        var names = new List<string>(wanted.Count + 1);
        foreach (var output in wanted)
        {
            var declared = version.Outputs.FirstOrDefault(o => o.Name == output.Name) ?? throw Invalid(version.Outputs.Count == 1
                ? $"Model '{version.Model}' version {version.Number} has no output '{output.Name}' to return; it returns '{version.Outputs[0].Name}'."
                : $"Model '{version.Model}' version {version.Number} has no output '{output.Name}' to return; its outputs are {string.Join(", ", version.Outputs.Select(o => $"'{o.Name}'"))}.");
            if (names.Contains(output.Name)) throw Invalid($"Output '{output.Name}' is asked for twice.");
            if (output.Classification is int k && Classification.Misfit(declared, k) is { } misfit)
                throw Invalid($"Output '{output.Name}' of model '{version.Model}' version {version.Number} cannot be classified: {misfit}.");
            names.Add(output.Name);
        }
        var classifier = version.Classifier;
        if (classifier is not null && !names.Contains(classifier.Name)) names.Add(classifier.Name);
        var rows = Rows(modelInputs);
        var results = Batchable(version, modelInputs, names) is { } ids
            ? new Dictionary<string, InferenceTensor> { [version.Tokens!.OutputName] = await RunTokens(version, ids) }
            : await version.InferTyped(modelInputs, names, rows);

        var classes = classifier is null ? null : Classification.Top(results[classifier.Name], (int)classifier.Dimensions[1].Size!.Value, version.ClassNames);
        var answered = new List<OutputTensor>(wanted.Count + 3);
        foreach (var output in wanted)
        {
            answered.Add(output.Classification is int k
                ? new OutputTensor(output.Name, Classified(Classification.Top(results[output.Name], k, version.ClassNames), k))
                : new OutputTensor(output.Name, results[output.Name]));
        }
        if (texts is not null && outputs.Count == 0 && classes is not null)
        {
            answered.Add(new OutputTensor(ClassIndexOutput, InferenceTensor.Create(classes.Select(c => (long)c[0].Index).ToArray(), classes.Length)));
            answered.Add(new OutputTensor(ProbabilityOutput, InferenceTensor.Create(classes.Select(c => c[0].Probability).ToArray(), classes.Length)));
            answered.Add(new OutputTensor(ClassOutput, InferenceTensor.Create(classes.Select(c => c[0].Name!).ToArray(), classes.Length)));
        }
        return new InferenceAnswer(answered, rows, classes);
    }

    /// <summary>A token model's ids [rows, length] when they are all a request sends and its first output all it wants: then it joins the batcher.</summary>
    private static InferenceTensor<long>? Batchable(ServedVersion version, IReadOnlyDictionary<string, InferenceTensor> inputs, List<string> outputs) =>
        version.Tokens is { } tokens && inputs.Count == 1 && outputs.TrueForAll(o => o == tokens.OutputName)
            && inputs.TryGetValue(tokens.InputName, out var given) && given is InferenceTensor<long> { Rank: 2 } ids && ids.Shape[0] > 0 && ids.Shape[1] > 0
            ? ids : null;

    /// <summary>Token rows through the version's batcher (or inline when batching is off), checked first so that no request's ids fail another's batch.</summary>
    private static async Task<InferenceTensor> RunTokens(ServedVersion version, InferenceTensor<long> ids)
    {
        var tokens = version.Tokens!;
        var rows = checked((int)ids.Shape[0]);
        var length = checked((int)ids.Shape[1]);
        if (version.FixedBatch is long fixedBatch && fixedBatch != rows)
            throw Invalid($"Model '{version.Model}' version {version.Number} takes exactly {fixedBatch} rows per request, not {rows}.");
        if (tokens.Misfit(ids.Data.Span, length) is { } misfit)
            throw Invalid($"Model '{version.Model}' version {version.Number}: {misfit}.");
        var job = new InferenceJob(ids.Data, rows, length, rows * version.OutputWidth);
        try
        {
            await version.Infer(job);
            var shape = new long[version.Output!.Rank];
            shape[0] = rows;
            for (var d = 1; d < shape.Length; d++) shape[d] = version.Output.Dimensions[d].Size!.Value;
            return InferenceTensor.Create(job.Output.AsSpan(0, job.OutputValues).ToArray(), shape);
        }
        finally
        {
            job.ReturnOutput();
        }
    }

    /// <summary>The texts of a request that sends <c>text</c> in place of the model's token ids; null when it sends the model's own inputs.</summary>
    private static IReadOnlyList<string>? TextsOf(ServedVersion version, IReadOnlyDictionary<string, InferenceTensor> inputs)
    {
        if (!GivesText(version, inputs.Keys)) return null;
        var text = inputs[TextInput.Name];
        var what = $"model '{version.Model}' version {version.Number}";
        if (text.ElementType != OnnxElementType.String)
            throw Invalid($"Input '{TextInput.Name}' of {what} expects datatype BYTES (UTF-8 strings) but the request gave {ProtocolDatatypes.Of(text.ElementType)}.");
        if (!(text.Rank == 1 || (text.Rank == 2 && text.Shape[1] == 1)))
            throw Invalid($"Input '{TextInput.Name}' of {what} expects shape [n] or [n,1], one text per row, but the request gave {text.ShapeText}.");
        if (text.Shape[0] < 1)
            throw Invalid($"Input '{TextInput.Name}' of {what} holds no texts (shape {text.ShapeText}); send at least one.");
        return text.Strings();
    }

    /// <summary>
    /// Whether inputs of these names send texts (<c>text</c>, which the model does not declare itself); refuses them
    /// when the version takes no text, or when anything else is sent with them.
    /// </summary>
    internal static bool GivesText(ServedVersion version, IEnumerable<string> inputNames)
    {
        var names = inputNames as IReadOnlyCollection<string> ?? [.. inputNames];
        if (!names.Contains(TextInput.Name) || version.Inputs.Any(i => i.Name == TextInput.Name)) return false;
        var what = $"model '{version.Model}' version {version.Number}";
        if (version.Text is null)
            throw Invalid($"Input '{TextInput.Name}' cannot be sent to {what}: {version.TextReason}. Its inputs are {string.Join(", ", version.Inputs.Select(Describe))}.");
        if (names.Count != 1)
            throw Invalid($"Input '{TextInput.Name}' comes alone: {what} takes either texts or its input '{version.Text.TokenInputName}', not {string.Join(" and ", names.Select(k => $"'{k}'"))}.");
        return true;
    }

    private static int Rows(IReadOnlyDictionary<string, InferenceTensor> inputs)
    {
        foreach (var input in inputs.Values) return input.Rank > 0 ? checked((int)input.Shape[0]) : 1;
        return 1;
    }

    private static StringInferenceTensor Classified(ClassScore[][] top, int k)
    {
        var strings = new string[top.Length * k];
        for (var r = 0; r < top.Length; r++)
        {
            for (var i = 0; i < k; i++) strings[r * k + i] = top[r][i].ToString();
        }
        return InferenceTensor.Create(strings, top.Length, k);
    }

    private static string Describe(OnnxTensorInfo tensor) => $"'{tensor.Name}' ({ProtocolDatatypes.Of(tensor.ElementType)} [{string.Join(',', ProtocolDatatypes.Shape(tensor))}])";

    private static ServingException Invalid(string message) => new(StatusCodes.Status400BadRequest, message);
}
