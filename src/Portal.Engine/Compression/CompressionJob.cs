using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Inference;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Platform;
using Portal.Engine.Training;
using Portal.Engine.Weights;

namespace Portal.Engine.Compression;

/// <summary>One compression job: the recipe's method, then the parent and the child measured side by side.</summary>
internal sealed class CompressionJob
{
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;
    private readonly CompressionRequest _request;
    private readonly ChannelWriter<CompressionEvent> _events;
    private readonly TrainedModel _parent;
    private readonly List<string> _notes = [];

    public CompressionJob(CompressionRequest request, ChannelWriter<CompressionEvent> events)
    {
        _request = request;
        _events = events;
        _parent = request.Parent;
    }

    public static void Validate(CompressionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request.Parent);
        ArgumentNullException.ThrowIfNull(request.Recipe);
        ArgumentNullException.ThrowIfNull(request.Train);
        ArgumentNullException.ThrowIfNull(request.Test);
        ArgumentNullException.ThrowIfNull(request.Meter);
        request.Recipe.Validate();
        var parent = request.Parent;
        var outputs = parent.Spec.Infer().OutputShape;
        foreach (var data in (Dataset[])[request.Train, request.Test])
        {
            if (!data.IsClassification)
                throw new ArgumentException($"Dataset '{data.Name}' has float targets; compression measures classification accuracy.");
            if (data.ClassNames.Count != parent.ClassNames.Count)
                throw new ArgumentException($"Dataset '{data.Name}' has {data.ClassNames.Count} classes; model '{parent.Spec.Name}' predicts {parent.ClassNames.Count}.");
            if (data.FeatureCount != parent.Spec.InputShape.Aggregate(1, (a, b) => a * b))
                throw new ArgumentException($"Dataset '{data.Name}' has samples of shape [{string.Join(',', data.SampleShape)}]; model '{parent.Spec.Name}' takes [{string.Join(',', parent.Spec.InputShape)}].");
        }
        if (request.Test.Count == 0) throw new ArgumentException($"Test dataset '{request.Test.Name}' is empty: accuracy cannot be measured.");
        // Accuracy is scored by class name, as every version's is.
        if (ClassOrder.Mismatch(parent.ClassNames, $"Model '{parent.Spec.Name}'", request.Test) is { } classes) throw new ArgumentException($"{classes}.");
        switch (request.Recipe)
        {
            case DistillationRecipe d:
                {
                    var student = d.Student.Infer().OutputShape;
                    if (!student.SequenceEqual(outputs))
                        throw new ArgumentException($"Student '{d.Student.Name}' outputs [{string.Join(',', student)}] per sample but teacher '{parent.Spec.Name}' outputs [{string.Join(',', outputs)}]; distillation needs the same outputs.");
                    if (!d.Student.InputShape.Aggregate(1, (a, b) => a * b).Equals(request.Train.FeatureCount))
                        throw new ArgumentException($"Student '{d.Student.Name}' takes [{string.Join(',', d.Student.InputShape)}] but the training samples are [{string.Join(',', request.Train.SampleShape)}].");
                    // The teacher's outputs are computed once per view (as stored, and mirrored): a student seeing shifted
                    // crops would be taught the teacher's view of another image.
                    if (d.Training.Augmentation is { CropPadding: > 0 })
                        throw new ArgumentException($"Student '{d.Student.Name}' would train on shifted crops, but the teacher's outputs are computed once on the stored and the mirrored training samples only; distil with horizontal flips alone (crop padding 0).");
                    if (d.Training.Augmentation is { HorizontalFlip: true } && parent.Spec.InputShape.Count != 3)
                        throw new ArgumentException($"Student '{d.Student.Name}' would train on flipped images, but teacher '{parent.Spec.Name}' takes [{string.Join(',', parent.Spec.InputShape)}], not [C,H,W] images.");
                    break;
                }
            case StructuredPruningRecipe:
                StructuredPruning.CheckSupported(parent.Spec);
                break;
            case QuantizationRecipe q when q.ActivationsFor(parent.Spec) == Int8Activations.Dynamic:
                DynamicInt8Graph.CheckSupported(parent.Spec);
                break;
            case QuantizationRecipe:
                FoldedNetwork.CheckSupported(parent.Spec);
                if (request.Train.Count == 0) throw new ArgumentException($"Calibration needs training samples; dataset '{request.Train.Name}' has none.");
                break;
        }
    }

    public async Task Run(CancellationToken cancellationToken)
    {
        NativeRuntime.ApplyToCurrentThread(NativeRuntime.EnsureStarted());
        var parentOnnx = Export(_parent);
        Stage("measuring", "parent test accuracy");
        var parentAccuracy = Accuracy(parentOnnx, cancellationToken);

        TrainedModel model;
        byte[] onnx;
        long nonZero;
        QuantizationOutcome? quantization = null;
        double accuracy;
        switch (_request.Recipe)
        {
            case QuantizationRecipe q:
                (onnx, quantization, nonZero, accuracy) = Quantize(q, parentAccuracy, cancellationToken);
                model = _parent;
                break;
            default:
                model = _request.Recipe switch
                {
                    UnstructuredPruningRecipe u => await PruneUnstructured(u, cancellationToken).ConfigureAwait(false),
                    StructuredPruningRecipe s => await PruneStructured(s, cancellationToken).ConfigureAwait(false),
                    DistillationRecipe d => await Distill(d, cancellationToken).ConfigureAwait(false),
                    var other => throw new ArgumentException($"Unknown compression method '{other.Method}'."),
                };
                NativeRuntime.ApplyToCurrentThread(NativeRuntime.EnsureStarted());
                onnx = Export(model);
                nonZero = ModelFootprint.NonZeroParameters(model);
                Stage("measuring", "compressed test accuracy");
                accuracy = Accuracy(onnx, cancellationToken);
                break;
        }

        Stage("measuring", "latency at batch 1 and throughput at batch 64, parent and compressed alternately");
        var (parentTiming, childTiming) = await Time(parentOnnx, onnx, cancellationToken).ConfigureAwait(false);
        var parentFigures = Figures(_parent, ModelFootprint.NonZeroParameters(_parent), parentOnnx, parentAccuracy, parentTiming);
        var childFigures = Figures(model, nonZero, onnx, accuracy, childTiming);
        var report = new CompressionReport(parentFigures, childFigures, [.. _notes], quantization);
        _events.TryWrite(new CompressionCompleted(Stopwatch.GetTimestamp(), new CompressionResult(_request.Recipe, model, onnx, report)));
    }

    private async Task<TrainedModel> PruneUnstructured(UnstructuredPruningRecipe recipe, CancellationToken cancellationToken)
    {
        var names = MagnitudePruning.PrunableTensors(_parent.Spec);
        ModelWeights start;
        PruningMasks? masks;
        if (recipe.Schedule == PruningSchedule.OneShot)
        {
            Stage("pruning", Invariant($"one-shot {recipe.Scope} magnitude pruning of {names.Count} weight tensors to {recipe.Sparsity:P1}"));
            start = MagnitudePruning.Prune(_parent.Weights, names, recipe.Sparsity, recipe.Scope);
            masks = recipe.FineTuning is null ? null : new PruningMasks(names, PruningMasks.FromZeros(start, names), recipe);
        }
        else
        {
            Stage("pruning", Invariant($"gradual {recipe.Scope} magnitude pruning to {recipe.Sparsity:P1} over {recipe.RampFraction:P0} of fine-tuning ({recipe.MaskUpdates} mask updates, cubic schedule)"));
            start = _parent.Weights;
            masks = new PruningMasks(names, null, recipe);
        }
        using (masks)
        {
            var model = recipe.FineTuning is { } options
                ? await FineTune(_parent.Spec, start, options, masks, cancellationToken).ConfigureAwait(false)
                : _parent with { Weights = start };
            var sparsity = MagnitudePruning.Sparsity(model.Weights, names);
            _notes.Add(Invariant($"{sparsity:P2} of the {names.Count} prunable weight tensors' values are zero ({recipe.Scope}, {recipe.Schedule}); biases and batch norm are not pruned"));
            foreach (var name in names)
                _notes.Add(Invariant($"{name}: {MagnitudePruning.Sparsity(model.Weights, [name]):P1} zero"));
            return model;
        }
    }

    private async Task<TrainedModel> PruneStructured(StructuredPruningRecipe recipe, CancellationToken cancellationToken)
    {
        Stage("pruning", Invariant($"structured pruning of {recipe.Ratio:P0} of each hidden layer's units by {recipe.Norm} norm"));
        var outcome = StructuredPruning.Prune(_parent.Spec, _parent.Weights, recipe.Ratio, recipe.Norm);
        _notes.AddRange(outcome.Notes);
        _notes.Add(Invariant($"parameters {_parent.Spec.ParameterCount} → {outcome.Spec.ParameterCount}"));
        return recipe.FineTuning is { } options
            ? await FineTune(outcome.Spec, outcome.Weights, options, null, cancellationToken).ConfigureAwait(false)
            : new TrainedModel(outcome.Spec, outcome.Weights, _parent.Standardization, _parent.ClassNames);
    }

    private async Task<TrainedModel> Distill(DistillationRecipe recipe, CancellationToken cancellationToken)
    {
        var mirrored = recipe.Training.Augmentation is { HorizontalFlip: true };
        Stage("teacher", $"teacher '{_parent.Spec.Name}' logits on {_request.Train.Count} training samples{(mirrored ? ", as stored and mirrored," : "")} (eval mode)");
        var (logits, width) = ModelEvaluator.Predict(_parent, _request.Train, cancellationToken: cancellationToken);
        if (mirrored)
        {
            var (flipped, _) = ModelEvaluator.Predict(_parent, ImageAugmentation.Mirrored(_request.Train, _parent.Spec.InputShape), cancellationToken: cancellationToken);
            logits = [.. logits, .. flipped];
        }
        using var loss = new DistillationLoss(logits, _request.Train.Count, width, mirrored, recipe.Alpha, recipe.Temperature);
        Stage("distilling", Invariant($"student '{recipe.Student.Name}' ({recipe.Student.ParameterCount} parameters), α = {recipe.Alpha}, T = {recipe.Temperature}, {recipe.Training.Epochs} epochs"));
        var request = new TrainingRequest(recipe.Student, _request.Train, null, recipe.Training) { Hooks = loss };
        var result = await Train(request, cancellationToken).ConfigureAwait(false);
        _notes.Add(Invariant($"student '{recipe.Student.Name}' has {recipe.Student.ParameterCount} parameters, the teacher {_parent.Spec.ParameterCount}"));
        return result.Model;
    }

    private (byte[] Onnx, QuantizationOutcome Outcome, long NonZero, double Accuracy) Quantize(QuantizationRecipe recipe, double parentAccuracy, CancellationToken cancellationToken) =>
        recipe.ActivationsFor(_parent.Spec) == Int8Activations.Dynamic
            ? QuantizeDynamic(recipe, parentAccuracy, cancellationToken)
            : QuantizeCalibrated(recipe, parentAccuracy, cancellationToken);

    private (byte[] Onnx, QuantizationOutcome Outcome, long NonZero, double Accuracy) QuantizeCalibrated(QuantizationRecipe recipe, double parentAccuracy, CancellationToken cancellationToken)
    {
        Stage("calibrating", Invariant($"{recipe.Calibration} ranges of every activation on {Math.Min(recipe.CalibrationSamples, _request.Train.Count)} training samples"));
        var activations = ActivationCalibration.Measure(_parent, _request.Train, recipe, cancellationToken);
        var folded = FoldedNetwork.Fold(_parent.Spec, _parent.Weights);
        var weightLayers = folded.WeightOps.Select(w => w.Layer).ToList();

        var float32 = new List<Float32Layer>();
        foreach (var layer in recipe.Float32Layers)
        {
            if (!weightLayers.Contains(layer))
                throw new ArgumentException($"Float32 layer {layer} is not a linear or conv2d layer of '{_parent.Spec.Name}'; those are layers {string.Join(", ", weightLayers)}.");
            float32.Add(new Float32Layer(layer, _parent.Spec.Layers[layer].Kind, null, null, "named float32 by the recipe"));
        }
        if (recipe.ThinConvolutionsFloat32)
        {
            foreach (var w in folded.WeightOps.Where(w => w.Spec is Conv2dLayer c && w.InputShape[0] * c.KernelSize * c.KernelSize < recipe.ThinConvolutionDepth && !recipe.Float32Layers.Contains(w.Layer)))
            {
                var c = (Conv2dLayer)w.Spec;
                float32.Add(new Float32Layer(w.Layer, c.Kind, null, null, Invariant(
                    $"thin convolution: {w.InputShape[0]} input channel(s) × {c.KernelSize}² = {w.InputShape[0] * c.KernelSize * c.KernelSize} multiply-adds per output, below {recipe.ThinConvolutionDepth}; ONNX Runtime's int8 kernel is slower than float32 there")));
            }
        }
        var start = weightLayers.Except(float32.Select(f => f.LayerIndex)).ToList();
        Stage("quantizing", $"{start.Count} of {weightLayers.Count} linear/conv layers in int8");
        var units = weightLayers.ToDictionary(l => l, l => new Int8Fallback<QdqGraphWriter.Written>.Unit(l, _parent.Spec.Layers[l].Kind, null, $"layer {l} ({_parent.Spec.Layers[l].Kind})"));
        var search = new Int8Fallback<QdqGraphWriter.Written>(
            quantized => QdqGraphWriter.Write(_parent.Spec, folded, activations, quantized, _parent.Standardization, _parent.ClassNames),
            written => Accuracy(written.Onnx, cancellationToken), parentAccuracy, recipe.TolerancePoints, Stage)
            .Search(units, start, "layers", cancellationToken);
        float32.AddRange(search.Float32);
        AddToleranceNote(search.MetTolerance, search.Accuracy, parentAccuracy, recipe.TolerancePoints, $"{search.Quantized.Count} of {weightLayers.Count} layers in int8");

        var operators = RuntimeGraph.Operators(search.Graph.Onnx);
        var floatNonZeroOfQuantized = folded.WeightOps.Where(w => search.Quantized.Contains(w.Layer)).Sum(w => (long)w.Weight.Count(v => v != 0));
        var nonZero = ModelFootprint.NonZeroParameters(_parent) - floatNonZeroOfQuantized + search.Graph.NonZeroQuantizedWeights;
        var kernel = Int8KernelPath.For(CpuFeatures.Current);
        _notes.Add(Int8WeightForm.Reason(kernel));
        var outcome = new QuantizationOutcome([.. search.Quantized.Order()], float32, search.FullyQuantizedAccuracy, search.MetTolerance, operators, Int8WeightForm.Name, kernel.Name);
        return (search.Graph.Onnx, outcome, nonZero, search.Accuracy);
    }

    /// <summary>
    /// The parent's float graph, exported with ONNX Runtime's fused attention and norms
    /// (<see cref="OnnxExportOptions.OnnxRuntimeFusions"/>), with its weight matrices int8 and their inputs quantised
    /// at run time (<see cref="DynamicInt8Graph"/>); the search's unit is one matrix. The embedding stays float32: it is
    /// a row lookup, not a product, so int8 would shrink the file without saving any arithmetic.
    /// </summary>
    private (byte[] Onnx, QuantizationOutcome Outcome, long NonZero, double Accuracy) QuantizeDynamic(QuantizationRecipe recipe, double parentAccuracy, CancellationToken cancellationToken)
    {
        var parent = OnnxInspector.Parse(Export(_parent, onnxRuntimeFusions: true), "the parent's ONNX export with ONNX Runtime's fusions");
        var weights = DynamicInt8Graph.WeightNodes(parent);
        var layers = weights.Select(w => w.Layer).Distinct().ToList();
        string Kind(int layer) => layer >= 0 && layer < _parent.Spec.Layers.Count ? _parent.Spec.Layers[layer].Kind : "graph";
        var float32 = new List<Float32Layer>();
        foreach (var layer in recipe.Float32Layers)
        {
            if (!layers.Contains(layer))
                throw new ArgumentException($"Float32 layer {layer} holds no weight matrix of '{_parent.Spec.Name}'; the layers that do are {string.Join(", ", layers)}.");
            foreach (var w in weights.Where(w => w.Layer == layer))
                float32.Add(new Float32Layer(layer, Kind(layer), null, null, "named float32 by the recipe", w.Weight));
        }
        var units = weights.Select((w, i) => (w, i)).ToDictionary(p => p.i, p => new Int8Fallback<DynamicInt8Graph.Written>.Unit(
            p.w.Layer, Kind(p.w.Layer), p.w.Weight, $"weight {p.w.Weight} (layer {p.w.Layer}, {Kind(p.w.Layer)})"));
        var start = units.Where(u => !recipe.Float32Layers.Contains(u.Value.Layer)).Select(u => u.Key).ToList();
        Stage("quantizing", $"{start.Count} of {weights.Count} MatMul/Gemm weight matrices in int8, activations quantised at run time");
        DynamicInt8Graph.Written Write(IReadOnlySet<int> quantized)
        {
            var names = quantized.Select(i => weights[i].Weight).ToHashSet(StringComparer.Ordinal);
            var int8Layers = string.Join(",", quantized.Select(i => weights[i].Layer).Distinct().Order());
            return DynamicInt8Graph.Write(parent, names, $"Portal model '{_parent.Spec.Name}', int8 {Int8WeightForm.DynamicName} ({names.Count} of {weights.Count} weight matrices int8); int8 layers: {int8Layers}");
        }
        var search = new Int8Fallback<DynamicInt8Graph.Written>(Write, written => Accuracy(written.Onnx, cancellationToken), parentAccuracy, recipe.TolerancePoints, Stage)
            .Search(units, start, "weight matrices", cancellationToken);
        float32.AddRange(search.Float32);
        AddToleranceNote(search.MetTolerance, search.Accuracy, parentAccuracy, recipe.TolerancePoints, $"{search.Quantized.Count} of {weights.Count} weight matrices in int8");
        _notes.Add("the embedding stays float32: a lookup of rows, not a product, so int8 would only shrink the file");

        var operators = RuntimeGraph.Operators(search.Graph.Onnx);
        var floatValuesOfQuantized = search.Quantized.Sum(i => CountNonZero(parent, weights[i].Weight));
        var nonZero = ModelFootprint.NonZeroParameters(_parent) - floatValuesOfQuantized + search.Graph.NonZeroQuantizedWeights;
        var kernel = Int8KernelPath.For(CpuFeatures.Current);
        _notes.Add(Int8WeightForm.DynamicReason(kernel));
        if (DynamicInt8Graph.OnnxRuntimeOperatorsNote(OnnxInspector.Parse(search.Graph.Onnx, "the int8 graph")) is { } onnxRuntimeOnly) _notes.Add(onnxRuntimeOnly);
        var outcome = new QuantizationOutcome([.. search.Quantized.Select(i => weights[i].Layer).Distinct().Order()], float32, search.FullyQuantizedAccuracy, search.MetTolerance,
            operators, Int8WeightForm.DynamicName, kernel.Name, [.. search.Quantized.Order().Select(i => weights[i].Weight)]);
        return (search.Graph.Onnx, outcome, nonZero, search.Accuracy);
    }

    private static long CountNonZero(Onnx.Protobuf.ModelProto model, string initializer)
    {
        var tensor = model.Graph.Initializer.First(t => t.Name == initializer);
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.RawData.Span);
        long count = 0;
        foreach (var v in values) if (v != 0) count++;
        return count;
    }

    private void AddToleranceNote(bool met, double accuracy, double parentAccuracy, double tolerance, string layout) =>
        _notes.Add(met
            ? Invariant($"int8 accuracy {accuracy:P2} is within {tolerance} points of the parent's {parentAccuracy:P2} with {layout}")
            : Invariant($"no int8 layout met the tolerance of {tolerance} points; every layer is float32 (accuracy {accuracy:P2})"));

    private async Task<TrainedModel> FineTune(ModelSpec spec, ModelWeights start, TrainingOptions options, TrainingHooks? hooks, CancellationToken cancellationToken)
    {
        Stage("fine-tuning", $"{options.Epochs} epochs on the parent's input standardisation");
        // Fine-tuning keeps the parent's standardisation: the same statistics, or none when the parent had none.
        var keep = options with { Standardization = _parent.Standardization?.Mode };
        var request = new TrainingRequest(spec, _request.Train, null, keep) { InitialWeights = start, Hooks = hooks, FixedStandardization = _parent.Standardization };
        var result = await Train(request, cancellationToken).ConfigureAwait(false);
        return new TrainedModel(spec, result.Model.Weights, _parent.Standardization, _parent.ClassNames);
    }

    private async Task<TrainingResult> Train(TrainingRequest request, CancellationToken cancellationToken)
    {
        TrainingResult? result = null;
        await foreach (var e in new Trainer().Train(request, cancellationToken).ConfigureAwait(false))
        {
            if (e is TrainingCompleted done) result = done.Result;
            else _events.TryWrite(new CompressionTrainingProgress(Stopwatch.GetTimestamp(), e));
        }
        return result ?? throw new InvalidOperationException("Training ended without a result.");
    }

    private double Accuracy(byte[] onnx, CancellationToken cancellationToken)
    {
        using var model = InferenceModel.Load(onnx, _request.Meter.Options.Sessions, "accuracy");
        return OnnxEvaluator.Evaluate(model, _request.Test, cancellationToken).Accuracy;
    }

    /// <summary>Parent and child timed alternately on the test samples by the request's meter; each keeps its best round.</summary>
    private async Task<(ModelTiming Parent, ModelTiming Child)> Time(byte[] parentOnnx, byte[] childOnnx, CancellationToken cancellationToken)
    {
        using var parent = InferenceModel.Load(parentOnnx, _request.Meter.Options.Sessions, "parent");
        using var child = InferenceModel.Load(childOnnx, _request.Meter.Options.Sessions, "compressed");
        var timings = await _request.Meter.Time([parent, child], ModelMeter.Samples(_request.Test), cancellationToken).ConfigureAwait(false);
        _notes.Add(_request.Meter.Describe(child));
        return (timings[0], timings[1]);
    }

    private static ModelFigures Figures(TrainedModel model, long nonZero, byte[] onnx, double accuracy, ModelTiming timing)
    {
        // Portal's exports take any batch, so every timing figure exists.
        static double Measured(double? figure) => figure ?? throw new InvalidOperationException("An exported model was timed without a batch-1 or batch-64 figure.");
        return new ModelFigures(model.Spec.ParameterCount, nonZero, onnx.Length, ModelFootprint.GzipBytes(onnx), accuracy,
            Measured(timing.P50Ms), Measured(timing.P95Ms), Measured(timing.SamplesPerSecond));
    }

    private byte[] Export(TrainedModel model, bool onnxRuntimeFusions = false) =>
        OnnxExporter.Export(model.Spec, model.Weights, new OnnxExportOptions
        {
            Standardization = model.Standardization,
            ClassLabels = model.ClassNames,
            Tokenizer = _request.Tokenizer,
            OnnxRuntimeFusions = onnxRuntimeFusions,
        });

    private void Stage(string stage, string detail) => _events.TryWrite(new CompressionStageStarted(Stopwatch.GetTimestamp(), stage, detail));

    private static string Invariant(FormattableString text) => text.ToString(s_invariant);
}
