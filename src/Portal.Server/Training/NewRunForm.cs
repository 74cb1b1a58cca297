using System.Text.Json;
using Portal.Contracts.Training;
using Portal.Engine.Models;
using Portal.Engine.Training;

namespace Portal.Server.Training;

/// <summary>
/// What the New training run page edits, and how it becomes the same request the REST API takes. The spec is a
/// ready spec's name or JSON; JSON is checked by the engine (parse and shape inference) as it is typed, and the
/// spec's shape report (every block's output and parameters) shown beside it. A run may fine-tune a registered
/// version (<see cref="FineTuneModel"/>, <see cref="FineTuneVersion"/>), whose spec the editor then starts from.
/// </summary>
public sealed class NewRunForm
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public string Name { get; set; } = "";
    public Guid? DatasetId { get; set; }
    public Guid? ValidationDatasetId { get; set; }

    /// <summary>A ready spec's name; null means <see cref="SpecJson"/> is used.</summary>
    public string? ReadySpec { get; set; } = ReadySpecs.FashionMlp.Name;

    public string SpecJson { get; set; } = ReadySpecs.FashionMlp.ToJson();
    public OptimizerKind Optimizer { get; set; } = new OptimizerOptions().Kind;
    public double LearningRate { get; set; } = new OptimizerOptions().LearningRate;
    public ScheduleKind Schedule { get; set; } = ScheduleKind.Cosine;
    public int Epochs { get; set; } = new TrainingOptions().Epochs;
    public int BatchSize { get; set; } = new TrainingOptions().BatchSize;
    public int Seed { get; set; } = new TrainingOptions().Seed;
    public int CropPadding { get; set; }
    public bool HorizontalFlip { get; set; }
    public double WeightDecay { get; set; }

    /// <summary>perFeature, perChannel or none, as the API takes it; null leaves the engine's default.</summary>
    public string? Standardization { get; set; }

    /// <summary>
    /// Sets the options to the ready spec's own recipe (<see cref="ReadyTraining"/>) when it has one; returns whether it did.
    /// </summary>
    public bool UseReadyRecipe(string readySpec)
    {
        if (ReadyTraining.For(readySpec) is not { } recipe) return false;
        Optimizer = recipe.Optimizer.Kind;
        LearningRate = recipe.Optimizer.LearningRate;
        WeightDecay = recipe.Optimizer.WeightDecay;
        Schedule = recipe.Schedule.Kind;
        Epochs = recipe.Epochs;
        BatchSize = recipe.BatchSize;
        Standardization = recipe.Standardization switch
        {
            null => "none",
            Portal.Engine.Data.StandardizationMode.PerChannel => "perChannel",
            _ => "perFeature",
        };
        CropPadding = recipe.Augmentation?.CropPadding ?? 0;
        HorizontalFlip = recipe.Augmentation?.HorizontalFlip ?? false;
        return true;
    }

    /// <summary>The registered model whose version the run fine-tunes; null trains from scratch.</summary>
    public string? FineTuneModel { get; set; }

    public int? FineTuneVersion { get; set; }

    /// <summary>When fine-tuning: train the head only.</summary>
    public bool FreezeBody { get; set; }

    private (string? Ready, string Json, ShapeReport? Report, string? Error)? _checked;

    /// <summary>The engine's complaint about <see cref="SpecJson"/> (naming the block path), or null when it is a valid spec.</summary>
    public string? SpecJsonError() => Check().Error;

    /// <summary>The shape report of the chosen or written spec, or null while it is not valid.</summary>
    public ShapeReport? SpecShapes() => Check().Report;

    /// <summary>The spec checked once per text, since a page asks on every render.</summary>
    private (ShapeReport? Report, string? Error) Check()
    {
        if (_checked is { } last && last.Ready == ReadySpec && last.Json == SpecJson) return (last.Report, last.Error);
        var (report, error) = Inspect();
        _checked = (ReadySpec, SpecJson, report, error);
        return (report, error);
    }

    private (ShapeReport? Report, string? Error) Inspect()
    {
        if (ReadySpec is null && string.IsNullOrWhiteSpace(SpecJson)) return (null, "Write a spec, or choose a ready one.");
        try
        {
            return ((ReadySpec is { } ready ? ReadySpecs.Get(ready) : ModelSpec.FromJson(SpecJson)).Infer(), null);
        }
        catch (ModelSpecException e)
        {
            return (null, e.Message);
        }
        catch (JsonException e)
        {
            return (null, $"The spec is not valid JSON: {e.Message}");
        }
    }

    /// <summary>Problems the page can name before asking the server; the server checks everything again.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Name)) problems.Add("Give the run a name.");
        if (DatasetId is null) problems.Add("Choose a training dataset.");
        if (SpecJsonError() is { } spec) problems.Add(spec);
        if (FineTuneModel is not null && FineTuneVersion is null) problems.Add($"Choose the version of '{FineTuneModel}' to fine-tune.");
        return problems;
    }

    public CreateRunRequest ToRequest()
    {
        var spec = ReadySpec is { } ready
            ? JsonSerializer.SerializeToElement(ready)
            : JsonSerializer.Deserialize<JsonElement>(SpecJson);
        var augmentation = CropPadding > 0 || HorizontalFlip ? new Portal.Engine.Data.ImageAugmentation(CropPadding, HorizontalFlip) : null;
        var options = new RunOptions
        {
            Epochs = Epochs,
            BatchSize = BatchSize,
            Optimizer = Optimizer,
            LearningRate = LearningRate,
            Schedule = new LearningRateSchedule { Kind = Schedule },
            Seed = Seed,
            Augmentation = augmentation,
            WeightDecay = WeightDecay > 0 ? WeightDecay : null,
            Standardization = Standardization,
        };
        var fromVersion = FineTuneModel is { } model && FineTuneVersion is { } version ? new FineTuneRequest(model, version, FreezeBody) : null;
        return new CreateRunRequest(
            Name, DatasetId ?? Guid.Empty, ValidationDatasetId, spec, JsonSerializer.SerializeToElement(options, s_json), fromVersion);
    }
}
