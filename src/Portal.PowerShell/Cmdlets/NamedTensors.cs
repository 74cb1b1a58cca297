using System.Collections;
using Portal.Client.Models;

namespace Portal.PowerShell.Cmdlets;

/// <summary>
/// PowerShell arrays as the protocol's tensors: a nested array's nesting is its shape; a flat array takes the model's
/// declared shape, its one dynamic dimension filled from the count; a single value is a scalar.
/// </summary>
internal static class NamedTensors
{
    public static List<InferenceTensor> From(string model, IDictionary inputs, IDictionary? datatypes, InferenceModelMetadata metadata)
    {
        var tensors = new List<InferenceTensor>();
        foreach (DictionaryEntry entry in inputs)
        {
            var name = entry.Key.ToString() ?? "";
            var declared = metadata.Inputs.FirstOrDefault(i => i.Name == name)
                ?? throw new ArgumentException($"Model '{model}' has no input '{name}'; its inputs are {string.Join(", ", metadata.Inputs.Select(i => $"'{i.Name}' ({i.Datatype} [{string.Join(',', i.Shape)}])"))}.");
            var datatype = datatypes is not null && datatypes.Contains(name) ? datatypes[name]?.ToString() ?? declared.Datatype : declared.Datatype;
            var value = PlainValue.Of(entry.Value);
            var shape = new List<long>();
            for (var level = value; level is IList list; level = list.Count > 0 ? PlainValue.Of(list[0]) : null) shape.Add(list.Count);
            var values = new List<object?>();
            Flatten(value, values);
            // Built by the client, whose System.Text.Json the module loads apart from PowerShell's.
            tensors.Add(InferenceTensor.Create(name, Shape(model, declared, shape, values.Count), values.ToArray(), datatype));
        }
        return tensors;
    }

    private static long[] Shape(string model, InferenceTensorMetadata declared, List<long> nested, int count)
    {
        if (nested.Count == declared.Shape.Count || declared.Shape.Count == 0 && nested.Count == 0) return [.. nested];
        if (nested.Count != 1)
            throw new ArgumentException($"Input '{declared.Name}' of model '{model}' has shape [{string.Join(',', declared.Shape)}]; give it as nested arrays of that rank, or flat.");
        var dynamic = declared.Shape.Count(d => d < 0);
        var known = declared.Shape.Where(d => d >= 0).Aggregate(1L, (a, d) => a * d);
        if (dynamic > 1)
            throw new ArgumentException($"Input '{declared.Name}' of model '{model}' has shape [{string.Join(',', declared.Shape)}], with more than one dynamic dimension: give it as nested arrays.");
        if (dynamic == 0 || known == 0 || count % known != 0)
            return [.. declared.Shape.Select(d => d < 0 ? 1 : d)];
        return [.. declared.Shape.Select(d => d < 0 ? count / known : d)];
    }

    private static void Flatten(object? value, List<object?> values)
    {
        if (value is IList list)
        {
            foreach (var item in list) Flatten(PlainValue.Of(item), values);
            return;
        }
        values.Add(value);
    }

    /// <summary>An answer's values as the .NET type of its datatype (FP16 and BF16 as Single).</summary>
    public static Array Values(InferenceTensor output) => output.Datatype switch
    {
        "BOOL" => output.ValuesAs<bool>(),
        "UINT8" => output.ValuesAs<byte>(),
        "UINT16" => output.ValuesAs<ushort>(),
        "UINT32" => output.ValuesAs<uint>(),
        "UINT64" => output.ValuesAs<ulong>(),
        "INT8" => output.ValuesAs<sbyte>(),
        "INT16" => output.ValuesAs<short>(),
        "INT32" => output.ValuesAs<int>(),
        "INT64" => output.ValuesAs<long>(),
        "FP64" => output.ValuesAs<double>(),
        "BYTES" => output.ValuesAs<string>(),
        _ => output.ValuesAs<float>(),
    };
}
