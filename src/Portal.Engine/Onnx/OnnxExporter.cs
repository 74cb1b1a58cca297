using System.Text.Json;
using Google.Protobuf;
using Portal.Engine.Models;
using Portal.Engine.Weights;

namespace Portal.Engine.Onnx;

/// <summary>
/// Writes a spec and its weights as an ONNX model: IR 8, opset 17, one float32 input <c>input</c> of shape
/// [batch, …spec input shape] (int64 token ids [batch, sequence] for a token spec) and one output <c>output</c>
/// of shape [batch, …spec output shape] (its sequence dynamic where a token spec's output keeps one).
/// </summary>
public static class OnnxExporter
{
    public const string InputName = "input";
    public const string OutputName = "output";
    public const string BatchDimension = "batch";
    public const string SequenceDimension = "sequence";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static byte[] Export(ModelSpec spec, ModelWeights weights, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(weights);
        options ??= new OnnxExportOptions();
        var report = spec.Infer();
        CheckClassLabels(options.ClassLabels, report.OutputShape);
        if (spec.Tokens is not null && options.Standardization is not null)
            throw new ArgumentException($"Model '{spec.Name}' takes token ids, which are never standardised; export it without a standardisation.");

        var graph = new GraphBuilder(spec.Name);
        var input = spec.Tokens is null
            ? graph.AddInput(InputName, OnnxElementType.Float32, BatchedDims(spec.InputShape))
            : graph.AddInput(InputName, OnnxElementType.Int64, [OnnxDimension.Symbolic(BatchDimension), TokenDimension(spec, report)]);
        var mask = spec.Tokens is { } tokens ? new TokenMaskValues(graph, input, tokens.PaddingId) : null;
        var lowering = new LayerLowering(graph, weights, report.Blocks, mask, options.OnnxRuntimeFusions);
        var current = input;
        var firstLayer = 0;
        var placement = StandardizationPlacements.None;
        if (options.Standardization is { } standardization)
        {
            var constants = StandardizationConstants.For(standardization, spec.InputShape);
            if (options.FoldStandardization && spec.Layers[0] is LinearLayer linear)
            {
                var (mean, std) = StandardizationConstants.PerFeature(standardization, spec.InputShape[0]);
                current = LayerLowering.EmitStandardizedLinear(graph, 0, linear, report.Layers[0], weights, current, mean, std);
                firstLayer = 1;
                placement = StandardizationPlacements.FoldedIntoFirstLayer;
            }
            else
            {
                current = Standardize(graph, constants, current);
                placement = StandardizationPlacements.FirstNodes;
            }
        }
        current = lowering.EmitLayers(spec.Layers, current, firstLayer);

        // The last layer may write no node (dropout): then the output is an identity of what came before.
        var output = graph.IsProducedByNode(current) ? graph.RenameValue(current, OutputName) : graph.AddNode("Identity", [current], OutputName);
        graph.AddOutput(output, OnnxElementType.Float32, OutputDims(spec, report));

        var model = graph.ToModel(
            options.ProducerName,
            options.ProducerVersion ?? typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0",
            options.ModelVersion,
            $"Portal model '{spec.Name}' ({report.TotalParameters} parameters).",
            Metadata(spec, options, placement));
        return model.ToByteArray();
    }

    /// <summary>Token models take any length up to the maximum, unless a layer flattens over the sequence.</summary>
    private static OnnxDimension TokenDimension(ModelSpec spec, ShapeReport report) =>
        report.SequenceLengthFixed ? OnnxDimension.Fixed(spec.InputShape[0]) : OnnxDimension.Symbolic(SequenceDimension);

    /// <summary>
    /// [batch, …output shape]; an output that still runs along a dynamic token sequence ([sequence, width]) has a
    /// dynamic length: the input's when a layer kept it, unknown when a convolution changed it.
    /// </summary>
    private static List<OnnxDimension> OutputDims(ModelSpec spec, ShapeReport report)
    {
        var dims = BatchedDims(report.OutputShape);
        if (spec.Tokens is not null && !report.SequenceLengthFixed && report.OutputShape.Count >= 2)
            dims[1] = report.OutputShape[0] == spec.InputShape[0] ? OnnxDimension.Symbolic(SequenceDimension) : OnnxDimension.Unknown;
        return dims;
    }

    private static List<OnnxDimension> BatchedDims(IReadOnlyList<int> sampleShape) =>
        [OnnxDimension.Symbolic(BatchDimension), .. sampleShape.Select(d => OnnxDimension.Fixed(d))];

    private static string Standardize(GraphBuilder graph, StandardizationConstants s, string input)
    {
        var mean = graph.AddInitializer("standardization.mean", s.Mean, s.Dims);
        var std = graph.AddInitializer("standardization.std", s.Std, s.Dims);
        var centred = graph.AddNode("Sub", [input, mean], "standardization.centred");
        return graph.AddNode("Div", [centred, std], "standardization.output");
    }

    private static void CheckClassLabels(IReadOnlyList<string>? labels, IReadOnlyList<int> outputShape)
    {
        if (labels is null) return;
        if (outputShape.Count != 1 || outputShape[0] != labels.Count)
            throw new ArgumentException($"{labels.Count} class labels for a model whose output is [{string.Join(',', outputShape)}] per sample.");
    }

    private static IEnumerable<KeyValuePair<string, string>> Metadata(ModelSpec spec, OnnxExportOptions options, string placement)
    {
        yield return new(OnnxMetadataKeys.Spec, spec.ToJson());
        yield return new(OnnxMetadataKeys.StandardizationPlacement, placement);
        if (options.Standardization is { } s)
            yield return new(OnnxMetadataKeys.Standardization, JsonSerializer.Serialize(s, s_json));
        if (options.ClassLabels is { } labels)
            yield return new(OnnxMetadataKeys.ClassLabels, JsonSerializer.Serialize(labels, s_json));
        if (options.LineageId is { } lineage)
            yield return new(OnnxMetadataKeys.LineageId, lineage);
        if (options.Tokenizer is { } tokenizer)
            yield return new(OnnxMetadataKeys.Tokenizer, tokenizer);
    }
}
