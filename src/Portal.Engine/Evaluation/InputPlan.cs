using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Portal.Engine.Inference;
using Portal.Engine.Onnx;

namespace Portal.Engine.Evaluation;

/// <summary>One input as it is synthesized: its declaration, the shape of one latency run and what its values are.</summary>
public sealed record PlannedInput(OnnxTensorInfo Declared, IReadOnlyList<long> Shape, string Values)
{
    public override string ToString() => $"'{Declared.Name}' {Declared.ElementType.Name()} [{string.Join(',', Shape)}], {Values}";
}

/// <summary>
/// How to time a model of any signature without data: every input synthesized with seeded values of its element
/// type within a safe range (floats of any precision uniform in [0, 1), integers in [0, <see cref="RepresentativeSizes.IntegerBound"/>),
/// bools either way), every dynamic dimension given a size (the caller's, an example input's, or <see cref="RepresentativeSizes.DefaultDimension"/>).
/// When the first dimension of every input that has one is one dynamic dimension nobody sized, it is read as the
/// batch: 1 for latency and <see cref="ModelMeter.ThroughputBatch"/> for throughput. <see cref="Notes"/> say where
/// each size came from, for the evidence report.
/// </summary>
public sealed class InputPlan
{
    /// <summary>Values of one input at batch 1; larger inputs are not synthesized.</summary>
    public const long MaxValuesPerInput = 1L << 24;

    /// <summary>Values of all inputs together at the throughput batch; above it throughput is not measured.</summary>
    public const long MaxThroughputValues = 1L << 26;

    private const int Seed = 20_240_601;

    private InputPlan(IReadOnlyList<PlannedInput> inputs, string? batchKey, string? noThroughput, IReadOnlyList<string> notes, long integerBound)
    {
        Inputs = inputs;
        BatchKey = batchKey;
        NoThroughput = noThroughput;
        Notes = notes;
        IntegerBound = integerBound;
    }

    public IReadOnlyList<PlannedInput> Inputs { get; }

    /// <summary>The dimension read as the batch (its symbol or <c>input.0</c>), or null when the inputs have none.</summary>
    public string? BatchKey { get; }

    /// <summary>Why throughput at batch 64 cannot be measured, or null when it can.</summary>
    public string? NoThroughput { get; }

    /// <summary>Where each size came from and what the values are, in words.</summary>
    public IReadOnlyList<string> Notes { get; }

    public long IntegerBound { get; }

    /// <summary>The plan for these inputs, or null with the reason they cannot be synthesized (an element type the engine does not run, a size too large).</summary>
    /// <exception cref="ArgumentException">The sizes do not fit the inputs (<see cref="RepresentativeSizes.Misfit"/>).</exception>
    public static InputPlan? TryCreate(IReadOnlyList<OnnxTensorInfo> inputs, RepresentativeSizes sizes, out string reason)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Misfit(inputs) is { } misfit) throw new ArgumentException($"The representative sizes do not fit the model: {misfit}.");
        reason = "";
        if (inputs.Count == 0)
        {
            reason = "the model declares no inputs";
            return null;
        }
        foreach (var input in inputs)
        {
            if (!Synthesizable(input.ElementType))
            {
                reason = $"input {input} is {input.ElementType.Name()}; inputs are synthesized for floating, integer and bool tensors only";
                return null;
            }
        }

        var notes = new List<string>();
        var (batchKey, noThroughput) = Batch(inputs, sizes);
        if (batchKey is not null)
            notes.Add($"batch ('{batchKey}', the first dimension of every input): 1 for latency and {ModelMeter.ThroughputBatch} for throughput");
        var planned = new List<PlannedInput>(inputs.Count);
        var sized = new HashSet<string>(StringComparer.Ordinal);
        long batchValues = 0;
        foreach (var input in inputs)
        {
            var shape = new long[input.Rank];
            for (var d = 0; d < shape.Length; d++)
            {
                var dimension = input.Dimensions[d];
                if (dimension.Size is long size)
                {
                    shape[d] = size;
                    continue;
                }
                if (d == 0 && batchKey is not null)
                {
                    shape[d] = 1;
                    continue;
                }
                var key = RepresentativeSizes.KeyOf(input, d);
                var (chosen, source) = sizes.Dimensions.TryGetValue(key, out var given) ? (given, "given")
                    : sizes.Example.TryGetValue(key, out var example) ? (example, "from the example input")
                    : (RepresentativeSizes.DefaultDimension, "not given: the default for a dynamic dimension");
                shape[d] = chosen;
                if (sized.Add(key)) notes.Add($"{key}={chosen.ToString(CultureInfo.InvariantCulture)} ({source})");
            }
            var values = shape.Aggregate(1L, (product, size) => product > MaxValuesPerInput ? product : product * size);
            if (values > MaxValuesPerInput)
            {
                reason = $"input {input} would take {values} values at [{string.Join(',', shape)}]; at most {MaxValuesPerInput} are synthesized (give smaller dims)";
                return null;
            }
            batchValues += values;
            planned.Add(new PlannedInput(input, shape, Describe(input.ElementType, sizes.IntegerBound)));
        }
        if (noThroughput is null && batchValues * ModelMeter.ThroughputBatch > MaxThroughputValues)
            noThroughput = $"a batch of {ModelMeter.ThroughputBatch} would take {batchValues * ModelMeter.ThroughputBatch} input values; at most {MaxThroughputValues} are synthesized";
        notes.AddRange(planned.Select(p => p.ToString()));
        return new InputPlan(planned, batchKey, noThroughput, notes, sizes.IntegerBound);
    }

    /// <summary>Seeded inputs of <paramref name="batch"/> samples (the batch dimension set to it; without one, the planned shapes).</summary>
    public Dictionary<string, InferenceTensor> Tensors(int batch)
    {
        var random = new Random(Seed);
        var tensors = new Dictionary<string, InferenceTensor>(Inputs.Count, StringComparer.Ordinal);
        foreach (var input in Inputs)
        {
            var shape = input.Shape.ToArray();
            if (BatchKey is not null && shape.Length > 0) shape[0] = batch;
            var count = (int)shape.Aggregate(1L, (product, size) => product * size);
            tensors[input.Declared.Name] = Synthesize(input.Declared.ElementType, count, shape, random);
        }
        return tensors;
    }

    private static (string? Key, string? NoThroughput) Batch(IReadOnlyList<OnnxTensorInfo> inputs, RepresentativeSizes sizes)
    {
        var batched = inputs.Where(i => i.Rank > 0).ToList();
        if (batched.Count == 0) return (null, "no input has a batch dimension (every input is a scalar)");
        if (batched.FirstOrDefault(i => i.Dimensions[0].IsFixed) is { } fixedInput)
            return (null, $"the first dimension of input {fixedInput} is fixed, not a dynamic batch");
        var keys = batched.Select(i => RepresentativeSizes.KeyOf(i, 0)).Distinct(StringComparer.Ordinal).ToList();
        if (keys.Count > 1 && batched.Any(i => i.Dimensions[0].Symbol is { Length: > 0 }))
            return (null, $"the inputs' first dimensions ({string.Join(", ", keys.Select(k => $"'{k}'"))}) are not one shared batch dimension");
        if (keys.FirstOrDefault(sizes.Dimensions.ContainsKey) is { } given)
            return (null, $"the first dimension '{given}' was sized by the request, so it is not read as a batch");
        if (inputs.FirstOrDefault(i => Enumerable.Range(1, Math.Max(0, i.Rank - 1)).Any(d => i.Dimensions[d].Symbol == keys[0])) is { } inner)
            return (null, $"'{keys[0]}' is also an inner dimension of input {inner}, so it is not read as a batch");
        return (keys[0], null);
    }

    private static bool Synthesizable(OnnxElementType type) => type is OnnxElementType.Float32 or OnnxElementType.Float64
        or OnnxElementType.Float16 or OnnxElementType.BFloat16 or OnnxElementType.Bool
        or OnnxElementType.Int8 or OnnxElementType.UInt8 or OnnxElementType.Int16 or OnnxElementType.UInt16
        or OnnxElementType.Int32 or OnnxElementType.UInt32 or OnnxElementType.Int64 or OnnxElementType.UInt64;

    /// <summary>The largest value drawn for an integer type: below the bound and within the type.</summary>
    private static long IntegerCeiling(OnnxElementType type, long bound) => Math.Min(bound, type switch
    {
        OnnxElementType.Int8 => sbyte.MaxValue + 1L,
        OnnxElementType.UInt8 => byte.MaxValue + 1L,
        OnnxElementType.Int16 => short.MaxValue + 1L,
        OnnxElementType.UInt16 => ushort.MaxValue + 1L,
        _ => int.MaxValue,
    });

    private static string Describe(OnnxElementType type, long bound) => type switch
    {
        OnnxElementType.Float32 or OnnxElementType.Float64 or OnnxElementType.Float16 or OnnxElementType.BFloat16 => "uniform in [0, 1)",
        OnnxElementType.Bool => "true or false",
        _ => $"integers in [0, {IntegerCeiling(type, bound).ToString(CultureInfo.InvariantCulture)})",
    };

    private InferenceTensor Synthesize(OnnxElementType type, int count, long[] shape, Random random)
    {
        var ceiling = (int)IntegerCeiling(type, IntegerBound);
        return type switch
        {
            OnnxElementType.Float32 => InferenceTensor.Create(Fill(count, () => random.NextSingle()), shape),
            OnnxElementType.Float64 => InferenceTensor.Create(Fill(count, random.NextDouble), shape),
            OnnxElementType.Float16 => InferenceTensor.Create(Fill(count, () => (Float16)random.NextSingle()), shape),
            OnnxElementType.BFloat16 => InferenceTensor.Create(Fill(count, () => (BFloat16)random.NextSingle()), shape),
            OnnxElementType.Bool => InferenceTensor.Create(Fill(count, () => random.Next(2) == 1), shape),
            OnnxElementType.Int8 => InferenceTensor.Create(Fill(count, () => (sbyte)random.Next(ceiling)), shape),
            OnnxElementType.UInt8 => InferenceTensor.Create(Fill(count, () => (byte)random.Next(ceiling)), shape),
            OnnxElementType.Int16 => InferenceTensor.Create(Fill(count, () => (short)random.Next(ceiling)), shape),
            OnnxElementType.UInt16 => InferenceTensor.Create(Fill(count, () => (ushort)random.Next(ceiling)), shape),
            OnnxElementType.Int32 => InferenceTensor.Create(Fill(count, () => random.Next(ceiling)), shape),
            OnnxElementType.UInt32 => InferenceTensor.Create(Fill(count, () => (uint)random.Next(ceiling)), shape),
            OnnxElementType.Int64 => InferenceTensor.Create(Fill(count, () => (long)random.Next(ceiling)), shape),
            OnnxElementType.UInt64 => InferenceTensor.Create(Fill(count, () => (ulong)random.Next(ceiling)), shape),
            _ => throw new InvalidOperationException($"Inputs of {type.Name()} are not synthesized."),
        };
    }

    private static T[] Fill<T>(int count, Func<T> next)
    {
        var values = new T[count];
        for (var i = 0; i < count; i++) values[i] = next();
        return values;
    }
}
