using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Datasets;
using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Server.Artifacts;
using Portal.Server.Persistence;

namespace Portal.Server.Datasets;

/// <summary>
/// Turns a registered dataset into the engine's <see cref="Dataset"/> (or, for text, its <see cref="TextDataset"/>
/// and tokenizer), reading its files from the artifact store (hash-checked) or its package path. The last few loaded
/// are kept in memory: Fashion-MNIST's training split is 188 MB of floats and every job and evaluation would
/// otherwise decode it again.
/// </summary>
public sealed class DatasetLoader(IServiceScopeFactory scopes, ArtifactStore artifacts)
{
    private const int Cached = 3;
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private readonly Lock _gate = new();
    private readonly LinkedList<(Guid Id, object Data)> _recent = new();

    /// <summary>Texts with the tokenizer stored with them.</summary>
    public sealed record TextData(TextDataset Texts, WordTokenizer Tokenizer);

    /// <summary>A dataset of features; a text dataset is refused, since its features depend on a spec (<see cref="LoadFor"/>).</summary>
    public async Task<Dataset> Load(Guid datasetId, CancellationToken ct) => await Cache(datasetId, ct) switch
    {
        Dataset data => data,
        TextData text => throw Refusal.Invalid($"Dataset '{text.Texts.Name}' holds texts: it is read through a token spec and its tokenizer, not as float features."),
        var other => throw new InvalidOperationException($"Dataset {datasetId} loaded as {other.GetType().Name}."),
    };

    /// <summary>A text dataset's texts and tokenizer.</summary>
    public async Task<TextData> LoadText(Guid datasetId, CancellationToken ct) => await Cache(datasetId, ct) switch
    {
        TextData text => text,
        Dataset data => throw Refusal.Invalid($"Dataset '{data.Name}' holds features of shape [{string.Join(',', data.SampleShape)}], not texts."),
        var other => throw new InvalidOperationException($"Dataset {datasetId} loaded as {other.GetType().Name}."),
    };

    /// <summary>The texts and tokenizer of a text dataset; null for any other.</summary>
    public async Task<TextData?> TryLoadText(Guid datasetId, CancellationToken ct) => await Cache(datasetId, ct) as TextData;

    /// <summary>
    /// The dataset as <paramref name="spec"/> takes it: a text dataset as token ids of the spec's length through
    /// <paramref name="tokenizer"/> (a model's, or the training set's) or, when null, its own; any other as it is.
    /// </summary>
    /// <exception cref="ArgumentException">A float spec on texts, or a token spec on features, naming both.</exception>
    public async Task<Dataset> LoadFor(Guid datasetId, ModelSpec spec, WordTokenizer? tokenizer, CancellationToken ct)
    {
        switch (await Cache(datasetId, ct))
        {
            case TextData text:
                return TextEncoding.ForSpec(text.Texts, tokenizer ?? text.Tokenizer, spec);
            case Dataset data when spec.Tokens is not null:
                throw new ArgumentException(
                    $"Model '{spec.Name}' takes token ids [{string.Join(',', spec.InputShape)}] but dataset '{data.Name}' holds features of shape [{string.Join(',', data.SampleShape)}], not texts.");
            case Dataset data:
                return data;
            case var other:
                throw new InvalidOperationException($"Dataset {datasetId} loaded as {other.GetType().Name}.");
        }
    }

    private async Task<object> Cache(Guid datasetId, CancellationToken ct)
    {
        lock (_gate)
        {
            var hit = _recent.FirstOrDefault(e => e.Id == datasetId);
            if (hit.Data is not null) return hit.Data;
        }
        DatasetRecord record;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            record = await db.Datasets.AsNoTracking().FirstOrDefaultAsync(d => d.Id == datasetId, ct)
                ?? throw Refusal.NotFound($"No dataset {datasetId}.");
        }
        object data = record.IsText ? await ReadText(record, ct) : await Read(record, ct);
        lock (_gate)
        {
            _recent.AddFirst((datasetId, data));
            while (_recent.Count > Cached) _recent.RemoveLast();
        }
        return data;
    }

    private async Task<TextData> ReadText(DatasetRecord record, CancellationToken ct)
    {
        var tokenizer = WordTokenizer.FromJson(Encoding.UTF8.GetString(await artifacts.ReadVerified(record.TokenizerArtifact!, ct)));
        if (record.Format == DatasetFormat.Builtin)
        {
            var (directory, split) = BuiltinDatasets.ParseFortunesSource(record.Source!);
            var (train, test) = FortunesCorpus.LoadSplit(directory);
            return new TextData(split == "test" ? test : train, tokenizer);
        }
        var options = JsonSerializer.Deserialize<TextDatasetOptions>(record.TextOptions!, s_json)!;
        var content = await artifacts.ReadVerified(record.PrimaryArtifact!, ct);
        return new TextData(TextFileReader.Read(content, record.Name, options.Import), tokenizer);
    }

    private async Task<Dataset> Read(DatasetRecord record, CancellationToken ct)
    {
        switch (record.Format)
        {
            case DatasetFormat.Builtin:
                {
                    var (directory, split) = BuiltinDatasets.ParseSource(record.Source!);
                    return split == "test" ? FashionMnist.LoadTest(directory) : FashionMnist.LoadTrain(directory);
                }
            case DatasetFormat.Idx:
                {
                    var images = await artifacts.ReadVerified(record.PrimaryArtifact!, ct);
                    var labels = await artifacts.ReadVerified(record.LabelsArtifact!, ct);
                    return IdxLoader.LoadImagesAndLabels(new MemoryStream(images), new MemoryStream(labels), record.Name, record.ClassNames);
                }
            case DatasetFormat.Csv:
                {
                    var csv = await artifacts.ReadVerified(record.PrimaryArtifact!, ct);
                    var options = record.CsvOptions is null ? new CsvOptions() : JsonSerializer.Deserialize<CsvOptions>(record.CsvOptions, s_json)!;
                    using var reader = new StreamReader(new MemoryStream(csv));
                    return CsvLoader.Load(reader, record.Name, options);
                }
            default:
                throw new InvalidOperationException($"Dataset '{record.Name}' has unknown format {record.Format}.");
        }
    }
}
