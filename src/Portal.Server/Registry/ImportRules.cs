using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Inference;
using Portal.Server.Persistence;

namespace Portal.Server.Registry;

/// <summary>
/// What an import's request and its job both check, so they say the same thing: the same bytes already a version of
/// the model, the class names against the file's and the dataset's, the file against the dataset.
/// </summary>
public static class ImportRules
{
    public const int MaxClassNames = 10_000;
    public const int MaxClassNameLength = 200;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static string Serialize(ImportSettings settings) => JsonSerializer.Serialize(settings, s_json);

    public static ImportSettings Settings(VersionImport import) =>
        JsonSerializer.Deserialize<ImportSettings>(import.SettingsJson, s_json) ?? throw new InvalidDataException($"Import {import.Id} has no settings.");

    /// <summary>The sizes to measure <paramref name="model"/> at.</summary>
    /// <exception cref="ArgumentException">The example input's shapes do not fit the model's inputs.</exception>
    public static RepresentativeSizes Sizes(ImportSettings settings, InferenceModel model) => new()
    {
        Dimensions = settings.Dims,
        IntegerBound = settings.IntegerBound,
        Example = settings.ExampleShapes is { } shapes ? RepresentativeSizes.FromExample(model.Inputs, shapes) : new Dictionary<string, long>(),
    };

    /// <summary>The number of the model's version whose ONNX file has this SHA-256, or null.</summary>
    public static async Task<int?> ExistingVersion(PortalDbContext db, RegisteredModel model, string sha256, CancellationToken ct) =>
        await db.ModelVersions.AsNoTracking().Where(v => v.ModelId == model.Id && v.OnnxArtifact == sha256).Select(v => (int?)v.Number).FirstOrDefaultAsync(ct);

    public static string Duplicate(RegisteredModel model, int version, string sha256) =>
        $"This file (SHA-256 {sha256}) is already version {version} of model '{model.Name}'; importing the same bytes again would add nothing.";

    /// <summary>Why the given class names cannot be used, or null.</summary>
    public static string? ClassNamesProblem(IReadOnlyList<string> names)
    {
        if (names.Count > MaxClassNames) return $"{names.Count} class names were given; at most {MaxClassNames} are kept";
        for (var i = 0; i < names.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(names[i])) return $"class name {i} is empty";
            if (names[i].Length > MaxClassNameLength) return $"class name {i} is {names[i].Length} characters; at most {MaxClassNameLength}";
        }
        if (names.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
            return $"class name '{twice.Key}' is given more than once";
        return null;
    }

    /// <summary>The version's class names: those given, else the file's own (Portal's metadata), else the dataset's; none for a model without classes.</summary>
    public static string[] ClassNames(ImportSettings settings, InferenceModel model, Dataset? data) =>
        settings.ClassNames.Length > 0 ? settings.ClassNames : [.. model.Info.ClassLabels ?? data?.ClassNames ?? []];

    /// <summary>Why the class names given contradict the ones the file declares, or null.</summary>
    public static string? Conflict(InferenceModel model, ImportSettings settings) =>
        settings.ClassNames.Length > 0 && model.Info.ClassLabels is { Count: > 0 } own && !own.SequenceEqual(settings.ClassNames, StringComparer.Ordinal)
            ? $"The class names given ([{string.Join(", ", settings.ClassNames)}]) are not the ones file '{model.Name}' declares ([{string.Join(", ", own)}]); leave classNames out to keep the file's."
            : null;

    /// <summary>Why the file cannot be evaluated on the dataset (with the names given), or null when it can.</summary>
    public static string? Misfit(InferenceModel model, ImportSettings settings, Dataset data)
    {
        if (ClassOrder.Mismatch(settings.ClassNames, "The class names given", data) is { } names)
            return $"Cannot evaluate the imported file on dataset '{data.Name}': {names}. Import it without evaluationDatasetId to register it without accuracy.";
        if (OnnxEvaluator.Misfit(model, data) is { } reason)
            return $"Cannot evaluate the imported file on dataset '{data.Name}': {reason}. Import it without evaluationDatasetId to register it without accuracy.";
        return null;
    }

    /// <summary>The dataset with its labels in the order of the class names given (as is without them).</summary>
    public static Dataset Aligned(ImportSettings settings, Dataset data) => ClassOrder.Align(data, settings.ClassNames, "The class names given");
}
