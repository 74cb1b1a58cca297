using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Portal.Engine.Weights;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Portal.Engine.Training;

/// <summary>
/// Adam and AdamW (Kingma &amp; Ba; Loshchilov &amp; Hutter) for float32 parameters in CPU memory, updated in one
/// vectorised pass that reads each parameter, gradient and moment once. TorchSharp's Adam makes about ten
/// tensor passes per parameter; on a small MLP that was as long as the forward pass. Same update rule as
/// PyTorch's (bias-corrected moments; Adam adds weight decay to the gradient, AdamW decays the weights).
/// </summary>
internal sealed class FusedCpuAdam : ITrainingOptimizer
{
    private readonly (string Name, Parameter Parameter, Tensor ExpAvg, Tensor ExpAvgSq)[] _slots;
    private readonly OptimizerOptions _options;
    private readonly bool _decoupledDecay;
    private double _rate;
    private long _step;

    public FusedCpuAdam(IEnumerable<(string Name, Parameter Parameter)> parameters, OptimizerOptions options)
    {
        _options = options;
        _decoupledDecay = options.Kind == OptimizerKind.AdamW;
        _rate = options.LearningRate;
        _slots = [.. parameters.Select(p => (p.Name, p.Parameter, zeros_like(p.Parameter).DetachFromDisposeScope(), zeros_like(p.Parameter).DetachFromDisposeScope()))];
    }

    /// <summary>Only float32 CPU parameters, which all of a CPU run's are.</summary>
    public static bool Supports(OptimizerOptions options, Device device) =>
        options.Kind is OptimizerKind.Adam or OptimizerKind.AdamW && device.type == DeviceType.CPU;

    public void SetLearningRate(double rate) => _rate = rate;

    public void Step()
    {
        _step++;
        var beta1 = (float)_options.Beta1;
        var beta2 = (float)_options.Beta2;
        var stepSize = (float)(_rate / (1 - Math.Pow(_options.Beta1, _step)));
        var correction2 = (float)(1 / Math.Sqrt(1 - Math.Pow(_options.Beta2, _step)));
        var eps = (float)_options.Epsilon;
        var decay = (float)_options.WeightDecay;
        var weightScale = _decoupledDecay ? 1 - (float)_rate * decay : 1f;
        var gradientDecay = _decoupledDecay ? 0f : decay;

        foreach (var (_, parameter, expAvg, expAvgSq) in _slots)
        {
            using var grad = parameter.grad;
            if (grad is null) continue;
            Update(Floats(parameter), Floats(grad), Floats(expAvg), Floats(expAvgSq), beta1, beta2, stepSize, correction2, eps, weightScale, gradientDecay);
        }
    }

    private static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v,
        float beta1, float beta2, float stepSize, float correction2, float eps, float weightScale, float gradientDecay)
    {
        var i = 0;
        // One vector loop: where AVX-512 is absent, .NET runs Vector512 as two Vector256 halves.
        var b1 = Vector512.Create(beta1);
        var b2 = Vector512.Create(beta2);
        var ob1 = Vector512.Create(1 - beta1);
        var ob2 = Vector512.Create(1 - beta2);
        var step = Vector512.Create(stepSize);
        var c2 = Vector512.Create(correction2);
        var e = Vector512.Create(eps);
        var ws = Vector512.Create(weightScale);
        var gd = Vector512.Create(gradientDecay);
        for (; i <= p.Length - Vector512<float>.Count; i += Vector512<float>.Count)
        {
            var pi = Vector512.Create(p.Slice(i, Vector512<float>.Count));
            var gi = Vector512.Create(g.Slice(i, Vector512<float>.Count)) + gd * pi;
            var mi = b1 * Vector512.Create(m.Slice(i, Vector512<float>.Count)) + ob1 * gi;
            var vi = b2 * Vector512.Create(v.Slice(i, Vector512<float>.Count)) + ob2 * gi * gi;
            pi = ws * pi - step * mi / (Vector512.Sqrt(vi) * c2 + e);
            mi.CopyTo(m.Slice(i, Vector512<float>.Count));
            vi.CopyTo(v.Slice(i, Vector512<float>.Count));
            pi.CopyTo(p.Slice(i, Vector512<float>.Count));
        }
        for (; i < p.Length; i++)
        {
            var gi = g[i] + gradientDecay * p[i];
            m[i] = beta1 * m[i] + (1 - beta1) * gi;
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
            p[i] = weightScale * p[i] - stepSize * m[i] / (MathF.Sqrt(v[i]) * correction2 + eps);
        }
    }

    public void Save(string path)
    {
        var moments = _slots.SelectMany(s => new[] { Export($"{s.Name}.exp_avg", s.ExpAvg), Export($"{s.Name}.exp_avg_sq", s.ExpAvgSq) });
        var metadata = new Dictionary<string, string> { ["step"] = _step.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        File.WriteAllBytes(path, SafetensorsWriter.ToBytes(new ModelWeights(moments), metadata));
    }

    public void Load(string path)
    {
        var file = SafetensorsReader.Read(File.ReadAllBytes(path));
        _step = long.Parse(file.Metadata["step"], System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, _, expAvg, expAvgSq) in _slots)
        {
            file.Weights[$"{name}.exp_avg"].Data.CopyTo(Floats(expAvg));
            file.Weights[$"{name}.exp_avg_sq"].Data.CopyTo(Floats(expAvgSq));
        }
    }

    private static NamedTensor Export(string name, Tensor t) =>
        new(name, [.. t.shape.Select(d => (int)d)], Floats(t).ToArray());

    public void Dispose()
    {
        foreach (var slot in _slots)
        {
            slot.ExpAvg.Dispose();
            slot.ExpAvgSq.Dispose();
        }
    }
}
