using Portal.Engine.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Compression;

/// <summary>
/// Holds pruned weights at zero through fine-tuning: after every optimiser step each prunable weight is multiplied
/// by its 0/1 mask (the optimiser's momentum would otherwise revive them). Gradual pruning recomputes the masks
/// from the current magnitudes on Zhu &amp; Gupta's cubic schedule until the ramp ends, then holds them.
/// </summary>
internal sealed class PruningMasks : TrainingHooks, IDisposable
{
    private readonly IReadOnlyList<string> _names;
    private readonly Dictionary<string, float[]>? _initial;
    private readonly UnstructuredPruningRecipe _recipe;
    private readonly Dictionary<string, Tensor> _masks = new(StringComparer.Ordinal);

    /// <param name="initialMasks">One-shot: 1 where a weight survived, 0 where it was pruned. Null for gradual (nothing pruned yet).</param>
    public PruningMasks(IReadOnlyList<string> names, Dictionary<string, float[]>? initialMasks, UnstructuredPruningRecipe recipe)
    {
        _names = names;
        _initial = initialMasks;
        _recipe = recipe;
    }

    public static Dictionary<string, float[]> FromZeros(Weights.ModelWeights pruned, IReadOnlyList<string> names) =>
        names.ToDictionary(n => n, n => pruned[n].Data.Select(v => v == 0 ? 0f : 1f).ToArray(), StringComparer.Ordinal);

    public override void AfterStep(Sequential network, long step, long totalSteps)
    {
        var parameters = network.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        if (_masks.Count == 0 && _initial is not null)
        {
            foreach (var name in _names)
                _masks[name] = tensor(_initial[name], parameters[name].shape, device: parameters[name].device).DetachFromDisposeScope();
        }
        if (_recipe.Schedule == PruningSchedule.Gradual && IsUpdateStep(step, totalSteps, out var rampSteps))
            Recompute(parameters, MagnitudePruning.CubicSparsity(_recipe.Sparsity, step, rampSteps));
        foreach (var (name, mask) in _masks) parameters[name].mul_(mask);
    }

    private bool IsUpdateStep(long step, long totalSteps, out long rampSteps)
    {
        rampSteps = Math.Max(1, (long)Math.Round(_recipe.RampFraction * totalSteps));
        var interval = Math.Max(1, rampSteps / _recipe.MaskUpdates);
        return step <= rampSteps && (step % interval == 0 || step == rampSteps);
    }

    private void Recompute(Dictionary<string, Parameter> parameters, double sparsity)
    {
        if (_recipe.Scope == PruningScope.PerLayer)
        {
            foreach (var name in _names) Replace(name, MaskAbove(parameters[name].abs(), Threshold([parameters[name]], sparsity)));
            return;
        }
        var threshold = Threshold([.. _names.Select(n => parameters[n])], sparsity);
        foreach (var name in _names) Replace(name, MaskAbove(parameters[name].abs(), threshold));
    }

    /// <summary>The magnitude at or below which ⌊sparsity · n⌋ values fall (null prunes nothing).</summary>
    private static Tensor? Threshold(IReadOnlyList<Tensor> tensors, double sparsity)
    {
        var all = cat([.. tensors.Select(t => t.detach().abs().flatten())]);
        var k = (long)Math.Floor(sparsity * all.shape[0]);
        return k == 0 ? null : all.kthvalue(k, 0, false).values;
    }

    private static Tensor MaskAbove(Tensor magnitude, Tensor? threshold) =>
        threshold is null ? ones_like(magnitude) : magnitude.gt(threshold).to_type(ScalarType.Float32);

    private void Replace(string name, Tensor mask)
    {
        if (_masks.Remove(name, out var old)) old.Dispose();
        _masks[name] = mask.DetachFromDisposeScope();
    }

    public void Dispose()
    {
        foreach (var mask in _masks.Values) mask.Dispose();
        _masks.Clear();
    }
}
