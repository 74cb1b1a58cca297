using System.Globalization;
using System.Text.Json;

namespace Portal.Server.Components.TryIt;

/// <summary>One class of a row's top classes: its index in the model's output, its name and its probability.</summary>
public sealed record TryItClass(int Index, string Name, double Probability);

/// <summary>One output tensor as /v2 answered it: name, datatype and shape, and its first <see cref="MaxValues"/> values as /v2 wrote them.</summary>
public sealed record TryItOutput(string Name, string Datatype, IReadOnlyList<long> Shape, IReadOnlyList<string> Values, long Count)
{
    public const int MaxValues = 64;

    public bool Truncated => Count > Values.Count;
}

/// <summary>
/// What a panel shows after a run: the version that answered, for a classifier each row's top classes, and every
/// output as /v2's response body has it; or the message /v2 answered with.
/// </summary>
public sealed record TryItAnswer(int? Version, IReadOnlyList<IReadOnlyList<TryItClass>>? Classes, IReadOnlyList<TryItOutput> Outputs, string? Error)
{
    /// <summary>How many of a row's classes are shown.</summary>
    public const int TopClasses = 5;

    public static TryItAnswer Failed(string message) => new(null, null, [], message);

    /// <summary>
    /// The outputs of a /v2 inference response body (its JSON part). The classifier's output, when it came back as
    /// the classification extension's strings (<c>probability:index:name</c>, BYTES [rows, k]), is read as each row's top classes.
    /// </summary>
    public static TryItAnswer Read(ReadOnlySpan<byte> json, TryItClassifier? classifier)
    {
        List<IReadOnlyList<TryItClass>>? classes = null;
        var reader = new Utf8JsonReader(json);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var version = int.Parse(root.GetProperty("model_version").GetString()!, CultureInfo.InvariantCulture);
        var outputs = new List<TryItOutput>();
        foreach (var output in root.GetProperty("outputs").EnumerateArray())
        {
            var name = output.GetProperty("name").GetString()!;
            var datatype = output.GetProperty("datatype").GetString()!;
            var shape = output.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToList();
            if (!output.TryGetProperty("data", out var data))
            {
                // Asked for as binary tensor data: the JSON says only how many bytes follow it.
                var bytes = output.GetProperty("parameters").GetProperty("binary_data_size").GetInt64();
                outputs.Add(new TryItOutput(name, datatype, shape, [$"(binary tensor data, {bytes} bytes)"], 1));
                continue;
            }
            if (name == classifier?.Output && datatype == "BYTES" && shape.Count == 2)
            {
                classes = ClassRows(data, (int)shape[1]);
                continue;
            }
            var values = data.EnumerateArray().Take(TryItOutput.MaxValues).Select(Text).ToList();
            outputs.Add(new TryItOutput(name, datatype, shape, values, data.GetArrayLength()));
        }
        return new TryItAnswer(version, classes, outputs, null);
    }

    private static List<IReadOnlyList<TryItClass>> ClassRows(JsonElement data, int perRow)
    {
        var rows = new List<IReadOnlyList<TryItClass>>();
        var row = new List<TryItClass>(perRow);
        foreach (var element in data.EnumerateArray())
        {
            var parts = element.GetString()!.Split(':', 3);
            var index = int.Parse(parts[1], CultureInfo.InvariantCulture);
            row.Add(new TryItClass(index, parts.Length == 3 ? parts[2] : index.ToString(CultureInfo.InvariantCulture), double.Parse(parts[0], CultureInfo.InvariantCulture)));
            if (row.Count < perRow) continue;
            rows.Add(row);
            row = new List<TryItClass>(perRow);
        }
        return rows;
    }

    private static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
}
