using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Contracts.Datasets;
using Portal.Engine.Data;
using Portal.Server.Audit;
using Portal.Server.Hosting;
using Portal.Server.Persistence;

namespace Portal.Server.Datasets;

/// <summary>
/// Registers Debian's Fashion-MNIST (package dataset-fashion-mnist) as the ready datasets
/// <c>fashion-mnist-train</c> and <c>fashion-mnist-test</c>, and the fortunes (package fortunes) as the text datasets
/// <c>fortunes-train</c> and <c>fortunes-test</c>, at start, when installed and not yet registered. Both fortunes
/// splits carry the tokenizer built from the training split.
/// </summary>
public sealed class BuiltinDatasets : IStartupTask
{
    private static readonly System.Text.Json.JsonSerializerOptions s_json = new(System.Text.Json.JsonSerializerDefaults.Web);

    public const string TrainName = "fashion-mnist-train";
    public const string TestName = "fashion-mnist-test";
    public const string FortunesTrainName = "fortunes-train";
    public const string FortunesTestName = "fortunes-test";
    public const string TokenizerMediaType = "application/json";
    private const string FortunesSourceKind = "fortunes";

    public int Order => 20;

    public static string Source(string directory, string split) => $"{directory}|{split}";

    public static (string Directory, string Split) ParseSource(string source)
    {
        var parts = source.Split('|');
        return parts.Length == 2 ? (parts[0], parts[1]) : throw new InvalidDataException($"Built-in dataset source '{source}' is not 'folder|split'.");
    }

    /// <summary>The fortunes' source: <c>fortunes|folder|split</c>.</summary>
    public static string FortunesSource(string directory, string split) => $"{FortunesSourceKind}|{directory}|{split}";

    public static (string Directory, string Split) ParseFortunesSource(string source)
    {
        var parts = source.Split('|');
        return parts.Length == 3 && parts[0] == FortunesSourceKind
            ? (parts[1], parts[2])
            : throw new InvalidDataException($"Built-in text dataset source '{source}' is not 'fortunes|folder|split'.");
    }

    /// <summary>The fortunes' description, with the class counts of each split.</summary>
    public static string FortunesDescription =>
        "Which of five Debian fortune files an entry comes from (computers, definitions, people, politics, science): "
        + "4833 entries (1051, 1203, 1251, 703, 625); a fixed stratified split (seed 25) holds 967 for test "
        + "(210, 241, 250, 141, 125) and 3866 for training (841, 962, 1001, 562, 500).";

    public async Task Run(IServiceProvider services, CancellationToken ct)
    {
        if (!services.GetRequiredService<IOptions<PortalOptions>>().Value.RegisterBuiltinDatasets) return;
        var db = services.GetRequiredService<PortalDbContext>();
        var audit = services.GetRequiredService<AuditLog>();
        await RegisterFashionMnist(db, audit, ct);
        await RegisterFortunes(db, audit, services.GetRequiredService<Artifacts.ArtifactStore>(), ct);
    }

    private static async Task RegisterFashionMnist(PortalDbContext db, AuditLog audit, CancellationToken ct)
    {
        var directory = FashionMnist.DefaultDirectory;
        if (!File.Exists(Path.Combine(directory, "t10k-labels-idx1-ubyte.gz"))) return;
        foreach (var (name, split, count) in new[] { (TrainName, "train", 60_000), (TestName, "test", 10_000) })
        {
            if (await db.Datasets.AnyAsync(d => d.Name == name, ct)) continue;
            var record = new DatasetRecord
            {
                Name = name,
                Format = DatasetFormat.Builtin,
                SampleShape = [1, 28, 28],
                Count = count,
                ClassNames = [.. FashionMnist.ClassNames],
                Source = Source(directory, split),
                CreatedBy = "system",
            };
            db.Datasets.Add(record);
            audit.Append("system", "dataset.register", "dataset", record.Id.ToString(), new { name, source = record.Source });
        }
        await db.SaveChangesAsync(ct);
    }

    private static async Task RegisterFortunes(PortalDbContext db, AuditLog audit, Artifacts.ArtifactStore artifacts, CancellationToken ct)
    {
        var directory = FortunesCorpus.DefaultDirectory;
        if (FortunesCorpus.Categories.Any(c => !File.Exists(Path.Combine(directory, c)))) return;
        if (await db.Datasets.AnyAsync(d => d.Name == FortunesTrainName || d.Name == FortunesTestName, ct)) return;
        var (train, test) = FortunesCorpus.LoadSplit(directory);
        var vocabulary = new VocabularyOptions();
        var tokenizer = WordTokenizer.Build(train, vocabulary);
        await artifacts.Keep(db, batch => batch.Write(System.Text.Encoding.UTF8.GetBytes(tokenizer.ToJson()), TokenizerMediaType, ct), async stored =>
        {
            var options = System.Text.Json.JsonSerializer.Serialize(new TextDatasetOptions(null, vocabulary, FortunesTrainName), s_json);
            foreach (var (name, split, data) in new[] { (FortunesTrainName, "train", train), (FortunesTestName, "test", test) })
            {
                var record = new DatasetRecord
                {
                    Name = name,
                    Format = DatasetFormat.Builtin,
                    SampleShape = [],
                    Count = data.Count,
                    ClassNames = [.. data.ClassNames],
                    Source = FortunesSource(directory, split),
                    TokenizerArtifact = stored.Sha256,
                    TextOptions = options,
                    Description = FortunesDescription,
                    CreatedBy = "system",
                };
                db.Datasets.Add(record);
                audit.Append("system", "dataset.register", "dataset", record.Id.ToString(), new { name, source = record.Source, tokenizer = stored.Sha256, vocabulary = tokenizer.VocabularySize });
            }
            await db.SaveChangesAsync(ct);
            return stored;
        }, ct);
    }
}
