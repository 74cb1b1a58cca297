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
/// <c>fashion-mnist-train</c> and <c>fashion-mnist-test</c> at start, when it is installed and not yet registered.
/// </summary>
public sealed class BuiltinDatasets : IStartupTask
{
    public const string TrainName = "fashion-mnist-train";
    public const string TestName = "fashion-mnist-test";

    public int Order => 20;

    public static string Source(string directory, string split) => $"{directory}|{split}";

    public static (string Directory, string Split) ParseSource(string source)
    {
        var parts = source.Split('|');
        return parts.Length == 2 ? (parts[0], parts[1]) : throw new InvalidDataException($"Built-in dataset source '{source}' is not 'folder|split'.");
    }

    public async Task Run(IServiceProvider services, CancellationToken ct)
    {
        if (!services.GetRequiredService<IOptions<PortalOptions>>().Value.RegisterBuiltinDatasets) return;
        var directory = FashionMnist.DefaultDirectory;
        if (!File.Exists(Path.Combine(directory, "t10k-labels-idx1-ubyte.gz"))) return;
        var db = services.GetRequiredService<PortalDbContext>();
        var audit = services.GetRequiredService<AuditLog>();
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
}
