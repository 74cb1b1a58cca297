using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Engine.Models;
using Portal.Engine.Weights;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Training;

/// <summary>
/// A run that starts from a trained model's weights. The spec must be the parent's, except that the head (the
/// last top-level layer with weights, a linear layer) may have another width. The head is a new, seeded one
/// unless the training data has exactly the parent's classes in the parent's order; every other weight is the
/// parent's, and so is the input standardisation. With <see cref="FreezeBody"/> only the head learns: every
/// parameter outside it is frozen, and the body's batch norms keep the parent's statistics (they run in eval mode),
/// so the body leaves training exactly as it came. Dropout in the body stays active.
/// </summary>
public sealed record FineTuning(TrainedModel Parent, bool FreezeBody)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>
    /// The index among the spec's own layers of its head: the last one with weights, which must be linear.
    /// </summary>
    /// <exception cref="ModelSpecException">The spec has no layer with weights, or its last one is not linear.</exception>
    public static int HeadIndex(ModelSpec spec)
    {
        var layers = spec.Infer().Layers;
        var head = layers.LastOrDefault(l => l.Parameters > 0)
            ?? throw new ModelSpecException($"Model '{spec.Name}' has no layer with weights to fine-tune.");
        if (spec.Layers[head.Index] is not LinearLayer)
            throw new ModelSpecException($"{head.Path} ({head.Kind}) is the last layer with weights of model '{spec.Name}': fine-tuning replaces a linear head, so it must be linear.");
        return head.Index;
    }

    /// <summary>
    /// Refuses a spec that is not the parent's apart from the head's width, naming the first layer or block that differs.
    /// </summary>
    /// <exception cref="ModelSpecException">The specs differ elsewhere than the head's width, or the head is not linear.</exception>
    public static void CheckSpec(ModelSpec parent, ModelSpec spec)
    {
        var head = HeadIndex(parent);
        if (!parent.InputShape.SequenceEqual(spec.InputShape))
            throw new ModelSpecException($"Model '{spec.Name}' takes [{string.Join(',', spec.InputShape)}] but the parent '{parent.Name}' takes [{string.Join(',', parent.InputShape)}]: fine-tuning keeps the input.");
        if (parent.Tokens != spec.Tokens)
            throw new ModelSpecException($"Model '{spec.Name}' and the parent '{parent.Name}' read different token inputs: fine-tuning keeps the input.");
        if (parent.Layers.Count != spec.Layers.Count)
            throw new ModelSpecException($"Model '{spec.Name}' has {spec.Layers.Count} layers but the parent '{parent.Name}' has {parent.Layers.Count}: fine-tuning keeps the parent's layers and may change only the width of its head, layers[{head}].");
        for (var i = 0; i < parent.Layers.Count; i++)
        {
            var (was, now) = (parent.Layers[i], spec.Layers[i]);
            var same = i == head
                ? now is LinearLayer linear && was is LinearLayer before && linear with { OutFeatures = before.OutFeatures } == before
                : was == now;
            if (same) continue;
            var (where, parentLayer, specLayer) = FirstDifference($"layers[{i}]", was, now);
            throw new ModelSpecException(i == head
                ? $"{where} is the head: fine-tuning may change only its width (outFeatures); the parent has {Describe(parentLayer)}, this spec {Describe(specLayer)}."
                : $"{where} differs from the parent's: the parent has {Describe(parentLayer)}, this spec {Describe(specLayer)}; fine-tuning may change only the width of the head, layers[{head}].");
        }
    }

    /// <summary>Loads the parent's weights (and a seeded head where it is new) into a freshly built, seeded network and freezes the body if asked.</summary>
    internal void Start(Sequential network, ModelSpec spec, IReadOnlyList<string> classNames)
    {
        CheckSpec(Parent.Spec, spec);
        var prefix = HeadPrefix(spec);
        var newHead = !Parent.ClassNames.SequenceEqual(classNames, StringComparer.Ordinal);
        var fresh = NetworkFactory.ExportWeights(network);
        var start = fresh.Tensors.Select(t => newHead && t.Name.StartsWith(prefix, StringComparison.Ordinal) ? t : ParentTensor(t.Name));
        NetworkFactory.ImportWeights(network, new ModelWeights(start));
        if (!FreezeBody) return;
        foreach (var (name, parameter) in network.named_parameters())
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) parameter.requires_grad = false;
        }
    }

    /// <summary>Puts the frozen body's batch norms back in eval mode after <c>network.train()</c>.</summary>
    internal void HoldBody(Sequential network)
    {
        if (!FreezeBody) return;
        var head = HeadIndex(Parent.Spec);
        var index = 0;
        foreach (var layer in network.children())
        {
            if (index++ == head) continue;
            foreach (var module in layer.modules().Prepend(layer))
            {
                if (module is BatchNorm1d or BatchNorm2d) module.eval();
            }
        }
    }

    private NamedTensor ParentTensor(string name) =>
        Parent.Weights.TryGet(name, out var tensor) ? tensor
        : throw new ArgumentException($"The parent model '{Parent.Spec.Name}' has no tensor '{name}' that the fine-tuned network needs.");

    private static string HeadPrefix(ModelSpec spec) => $"{HeadIndex(spec).ToString(System.Globalization.CultureInfo.InvariantCulture)}.";

    /// <summary>The innermost layer or block in which the two differ, with its path and both versions of it.</summary>
    private static (string Path, LayerSpec Was, LayerSpec Now) FirstDifference(string path, LayerSpec was, LayerSpec now)
    {
        static (string, LayerSpec, LayerSpec)? Inside(string path, IReadOnlyList<LayerSpec>? a, IReadOnlyList<LayerSpec>? b)
        {
            if (a is null || b is null || a.Count != b.Count) return null;
            for (var i = 0; i < a.Count; i++)
            {
                if (a[i] != b[i]) return FirstDifference($"{path}[{i}]", a[i], b[i]);
            }
            return null;
        }
        return (was, now) switch
        {
            (SequentialBlock a, SequentialBlock b) => Inside($"{path}.layers", a.Layers, b.Layers) ?? (path, was, now),
            (ResidualBlock a, ResidualBlock b) => Inside($"{path}.body", a.Body, b.Body) ?? Inside($"{path}.projection", a.Projection, b.Projection) ?? (path, was, now),
            _ => (path, was, now),
        };
    }

    private static string Describe(LayerSpec layer) => JsonSerializer.Serialize(layer, s_json);
}
