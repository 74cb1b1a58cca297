using System.ComponentModel;
using System.Text.Json;
using Portal.Engine.Evaluation;

namespace Portal.Server.Registry;

/// <summary>
/// The multipart form of POST /api/v1/models/{name}/versions/import, for the API description: the handler reads the
/// form itself (<see cref="Settings"/>), so a missing or malformed field gets a message rather than a bare 400.
/// </summary>
public sealed record ImportVersionForm(
    [property: Description("The model as an ONNX file, up to Portal:MaxUploadBytes; ONNX Runtime must be able to load it. Its file name is kept with the version.")]
    IFormFile File,
    [property: Description("A labelled dataset to measure the version's accuracy on; its samples and classes must fit the file. Left out: accuracy is not measured.")]
    Guid? EvaluationDatasetId = null,
    [property: Description("The names of the output classes, in output order (repeat the field). Left out: the file's own (Portal's metadata), else none: the model is served as plain tensors.")]
    string[]? ClassNames = null,
    [property: Description("A JSON object sizing dynamic dimensions for the measurement, by symbol or as 'input.index', e.g. {\"height\": 32, \"width\": 128}. Unsized ones get 32; the first dimension shared by every input is the batch (1 and 64).")]
    string? Dims = null,
    [property: Description("Integer inputs (token ids, indices) are synthesized in [0, integerBound); default 10.")]
    long? IntegerBound = null,
    [property: Description("An example input, as an Open Inference Protocol request body ({\"inputs\": [{\"name\": …, \"shape\": […], …}]}), file or text: its shapes size the dynamic dimensions but the first (the batch); 'dims' win over it. Only names and shapes are read; values are synthesized.")]
    string? Example = null)
{
    /// <summary>The import's settings from the form's fields.</summary>
    /// <exception cref="Refusal">A field that is not what it should be (400, naming it).</exception>
    public static async Task<ImportSettings> Settings(IFormCollection form, CancellationToken ct)
    {
        Guid? evaluationDatasetId = null;
        if (form["evaluationDatasetId"].ToString() is { Length: > 0 } text)
            evaluationDatasetId = Guid.TryParse(text, out var id) ? id : throw Refusal.Invalid($"evaluationDatasetId '{text}' is not a dataset id (a GUID).");
        string[] classNames = [.. form["classNames"].Select(n => n ?? "")];
        var dims = new Dictionary<string, long>(StringComparer.Ordinal);
        if (form["dims"].ToString() is { Length: > 0 } json)
        {
            try
            {
                dims = JsonSerializer.Deserialize<Dictionary<string, long>>(json) ?? dims;
            }
            catch (JsonException e)
            {
                throw Refusal.Invalid($"dims must be a JSON object of whole sizes by dimension, such as {{\"height\": 32}}: {e.Message}", e);
            }
        }
        var integerBound = RepresentativeSizes.DefaultIntegerBound;
        if (form["integerBound"].ToString() is { Length: > 0 } bound)
        {
            if (!long.TryParse(bound, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out integerBound) || integerBound < 1 || integerBound > int.MaxValue)
                throw Refusal.Invalid($"integerBound '{bound}' is not a whole number between 1 and {int.MaxValue}.");
        }
        var example = form["example"].ToString();
        if (form.Files.GetFile("example") is { } file)
        {
            using var reader = new StreamReader(file.OpenReadStream());
            example = await reader.ReadToEndAsync(ct);
        }
        return new ImportSettings(evaluationDatasetId, classNames, dims, integerBound, example.Length > 0 ? ExampleShapes(example) : null);
    }

    /// <summary>The names and shapes of an Open Inference Protocol request body's inputs.</summary>
    private static Dictionary<string, long[]> ExampleShapes(string body)
    {
        const string expected = "example must be an Open Inference Protocol request body, {\"inputs\": [{\"name\": \"…\", \"shape\": [1, …], …}]}";
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("inputs", out var inputs) || inputs.ValueKind != JsonValueKind.Array)
                throw Refusal.Invalid($"{expected}: it has no array 'inputs'.");
            var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
            var i = 0;
            foreach (var input in inputs.EnumerateArray())
            {
                if (input.ValueKind != JsonValueKind.Object || !input.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                    || !input.TryGetProperty("shape", out var shape) || shape.ValueKind != JsonValueKind.Array)
                    throw Refusal.Invalid($"{expected}: inputs[{i}] has no string 'name' and array 'shape'.");
                if (!shapes.TryAdd(name.GetString()!, [.. shape.EnumerateArray().Select(d => d.TryGetInt64(out var size) ? size : throw Refusal.Invalid($"{expected}: inputs[{i}].shape holds '{d}', not a whole number."))]))
                    throw Refusal.Invalid($"{expected}: input '{name.GetString()}' is given twice.");
                i++;
            }
            return shapes;
        }
        catch (JsonException e)
        {
            throw Refusal.Invalid($"{expected}: {e.Message}", e);
        }
    }
}
