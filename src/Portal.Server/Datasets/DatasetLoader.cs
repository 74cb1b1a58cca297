using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts.Datasets;
using Portal.Engine.Data;
using Portal.Server.Artifacts;
using Portal.Server.Persistence;

namespace Portal.Server.Datasets;

/// <summary>
/// Turns a registered dataset into the engine's <see cref="Dataset"/>, reading its files from the artifact store
/// (hash-checked) or its package path. The last few loaded are kept in memory: Fashion-MNIST's training split is
/// 188 MB of floats and every job and evaluation would otherwise decode it again.
/// </summary>
public sealed class DatasetLoader(IServiceScopeFactory scopes, ArtifactStore artifacts)
{
    private const int Cached = 3;
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private readonly Lock _gate = new();
    private readonly LinkedList<(Guid Id, Dataset Data)> _recent = new();

    public async Task<Dataset> Load(Guid datasetId, CancellationToken ct)
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
                ?? throw new KeyNotFoundException($"No dataset {datasetId}.");
        }
        var data = await Read(record, ct);
        lock (_gate)
        {
            _recent.AddFirst((datasetId, data));
            while (_recent.Count > Cached) _recent.RemoveLast();
        }
        return data;
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
