using System.Text.Json;
using System.Text.Json.Nodes;
using Portal.Contracts.Compression;
using Portal.Engine.Compression;
using Portal.Engine.Models;

namespace Portal.Server.Compression;

public enum CompressionMethod
{
    PruneUnstructured,
    PruneStructured,
    QuantizeInt8,
    Distill,
}

/// <summary>
/// What the compression lab's launcher edits, and how it becomes the request the REST API takes
/// (<c>{recipe: {method, …}}</c>): only the chosen method's settings go into the recipe, the rest keep the engine's defaults.
/// </summary>
public sealed class CompressionForm
{
    public CompressionMethod Method { get; set; } = CompressionMethod.QuantizeInt8;

    public double Sparsity { get; set; } = new UnstructuredPruningRecipe().Sparsity;
    public PruningSchedule Schedule { get; set; } = PruningSchedule.OneShot;

    public double Ratio { get; set; } = new StructuredPruningRecipe().Ratio;
    public ChannelNorm Norm { get; set; } = ChannelNorm.L1;

    /// <summary>Fine-tuning epochs after pruning (either kind); 0 prunes without training.</summary>
    public int FineTuneEpochs { get; set; } = 1;

    public int CalibrationSamples { get; set; } = new QuantizationRecipe().CalibrationSamples;
    public double TolerancePoints { get; set; } = new QuantizationRecipe().TolerancePoints;

    /// <summary>Auto: dynamic for a model on token ids, calibrated for any other.</summary>
    public Int8Activations Activations { get; set; } = new QuantizationRecipe().Activations;

    /// <summary>The student as a ready spec's name; null means <see cref="StudentSpecJson"/> is used.</summary>
    public string? StudentReadySpec { get; set; } = ReadySpecs.FashionMlp.Name;

    public string StudentSpecJson { get; set; } = ReadySpecs.FashionMlp.ToJson();
    public double Alpha { get; set; } = 0.5;
    public double Temperature { get; set; } = 4;
    public int DistillEpochs { get; set; } = 5;

    public static string Label(CompressionMethod method) => method switch
    {
        CompressionMethod.PruneUnstructured => "Prune (unstructured)",
        CompressionMethod.PruneStructured => "Prune (structured)",
        CompressionMethod.QuantizeInt8 => "Int8 quantize",
        _ => "Distil",
    };

    /// <summary>The recipe's <c>method</c> discriminator, as the engine names it.</summary>
    public static string RecipeMethod(CompressionMethod method) => method switch
    {
        CompressionMethod.PruneUnstructured => "prune-unstructured",
        CompressionMethod.PruneStructured => "prune-structured",
        CompressionMethod.QuantizeInt8 => "quantize-int8",
        _ => "distill",
    };

    /// <summary>The engine's complaint about the student spec JSON (naming the layer), or null when it is valid or a ready spec is chosen.</summary>
    public string? StudentSpecError()
    {
        if (Method != CompressionMethod.Distill || StudentReadySpec is not null) return null;
        if (string.IsNullOrWhiteSpace(StudentSpecJson)) return "Write the student's spec, or choose a ready one.";
        try
        {
            ModelSpec.FromJson(StudentSpecJson).Infer();
            return null;
        }
        catch (ModelSpecException e)
        {
            return e.Message;
        }
        catch (JsonException e)
        {
            return $"The student spec is not valid JSON: {e.Message}";
        }
    }

    /// <summary>Problems the page can name before asking the server; the engine checks the recipe again and names what it refuses.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (StudentSpecError() is { } spec) problems.Add(spec);
        if (Method is CompressionMethod.PruneUnstructured or CompressionMethod.PruneStructured && FineTuneEpochs < 0)
            problems.Add($"Fine-tuning epochs cannot be negative ({FineTuneEpochs}).");
        if (Method == CompressionMethod.PruneUnstructured && Schedule == PruningSchedule.Gradual && FineTuneEpochs == 0)
            problems.Add("Gradual pruning raises the sparsity during fine-tuning: give at least one fine-tuning epoch.");
        return problems;
    }

    public CompressRequest ToRequest()
    {
        // The discriminator first: the engine's polymorphic recipe reads it before the other members.
        var recipe = new JsonObject { ["method"] = RecipeMethod(Method) };
        switch (Method)
        {
            case CompressionMethod.PruneUnstructured:
                recipe["sparsity"] = Sparsity;
                recipe["schedule"] = Schedule.ToString();
                if (FineTuneEpochs > 0) recipe["fineTuning"] = new JsonObject { ["epochs"] = FineTuneEpochs };
                break;
            case CompressionMethod.PruneStructured:
                recipe["ratio"] = Ratio;
                recipe["norm"] = Norm.ToString();
                if (FineTuneEpochs > 0) recipe["fineTuning"] = new JsonObject { ["epochs"] = FineTuneEpochs };
                break;
            case CompressionMethod.QuantizeInt8:
                recipe["activations"] = Activations.ToString();
                recipe["calibrationSamples"] = CalibrationSamples;
                recipe["tolerancePoints"] = TolerancePoints;
                break;
            case CompressionMethod.Distill:
                var student = StudentReadySpec is { } ready ? ReadySpecs.Get(ready).ToJson() : StudentSpecJson;
                recipe["student"] = JsonNode.Parse(student);
                recipe["training"] = new JsonObject { ["epochs"] = DistillEpochs };
                recipe["alpha"] = Alpha;
                recipe["temperature"] = Temperature;
                break;
        }
        return new CompressRequest(JsonSerializer.SerializeToElement(recipe), null, null);
    }
}
