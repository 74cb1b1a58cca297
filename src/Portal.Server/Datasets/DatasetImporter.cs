using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Portal.Contracts.Datasets;
using Portal.Engine.Data;
using Portal.Server.Artifacts;
using Portal.Server.Audit;
using Portal.Server.Hosting;
using Portal.Server.Persistence;
using Portal.Server.Registry;

namespace Portal.Server.Datasets;

/// <summary>
/// Imports an uploaded dataset: the files stream into the artifact store, the engine's loader reads them back
/// (its validation message is the answer to a bad file), and the dataset, its artifact records and the audit
/// event are saved together. Whatever fails, nothing is left behind: no rows, and no stored file that no record
/// references.
/// </summary>
public sealed class DatasetImporter(PortalDbContext db, AuditLog audit, ArtifactStore artifacts, IOptions<PortalOptions> options, TimeProvider clock)
{
    private const string IdxMediaType = "application/x-idx";
    private const string CsvMediaType = "text/csv";
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);


    /// <summary>The text fields of an IDX upload.</summary>
    public static readonly string[] IdxFields = ["name", "classNames"];

    /// <summary>The file parts of an IDX upload.</summary>
    public static readonly string[] IdxFiles = ["images", "labels"];

    /// <summary>The text fields of a CSV upload.</summary>
    public static readonly string[] CsvFields = ["name", "labelColumn", "labelColumnIndex", "header", "skipLines", "delimiter", "task", "classNames"];

    /// <summary>The file part of a CSV upload.</summary>
    public static readonly string[] CsvFiles = ["file"];

    /// <summary>Parts: <c>images</c> and <c>labels</c> (IDX files, raw or gzip), <c>name</c>, optional <c>classNames</c> (comma-separated or repeated).</summary>
    public Task<DatasetRecord> ImportIdx(string? contentType, Stream body, string actor, CancellationToken ct) =>
        Import(contentType, body, actor, IdxFields, IdxFiles, IdxMediaType, async (form, name) =>
        {
            var images = form.File("images");
            var labels = form.File("labels");
            var classNames = form.List("classNames");
            var data = IdxLoader.LoadImagesAndLabels(
                new MemoryStream(await artifacts.ReadVerified(images.Sha256, ct)),
                new MemoryStream(await artifacts.ReadVerified(labels.Sha256, ct)),
                name, classNames);
            var record = Record(name, DatasetFormat.Idx, data, actor);
            record.PrimaryArtifact = images.Sha256;
            record.LabelsArtifact = labels.Sha256;
            return (record, [images, labels]);
        }, ct);

    /// <summary>
    /// Parts: <c>file</c>, <c>name</c>, and optionally <c>labelColumn</c> (a header name) or <c>labelColumnIndex</c>
    /// (0-based; default the last column), <c>header</c> (true/false; default true, but a first line of numbers only
    /// is refused unless it is given), <c>skipLines</c>, <c>delimiter</c>, <c>task</c> (classification or regression),
    /// <c>classNames</c> (the label order). The options recorded with the dataset are those the file was read with:
    /// the header decided and the class order used.
    /// </summary>
    public Task<DatasetRecord> ImportCsv(string? contentType, Stream body, string actor, CancellationToken ct) =>
        Import(contentType, body, actor, CsvFields, CsvFiles, CsvMediaType, async (form, name) =>
        {
            var file = form.File("file");
            var csv = ReadCsvOptions(form);
            Dataset data;
            using (var reader = new StreamReader(new MemoryStream(await artifacts.ReadVerified(file.Sha256, ct))))
                data = CsvLoader.Load(reader, name, csv);
            var record = Record(name, DatasetFormat.Csv, data, actor);
            record.PrimaryArtifact = file.Sha256;
            var used = csv with { HasHeader = csv.HasHeader ?? true, ClassNames = data.IsClassification ? data.ClassNames : null };
            record.CsvOptions = JsonSerializer.Serialize(used, s_json);
            return (record, [file]);
        }, ct);

    private async Task<DatasetRecord> Import(string? contentType, Stream body, string actor, string[] fields, string[] files, string mediaType,
        Func<UploadForm, string, Task<(DatasetRecord Record, UploadForm.StoredFile[] Files)>> load, CancellationToken ct)
    {
        return await artifacts.Keep(db, async batch =>
        {
            var form = new UploadForm(batch, mediaType, options.Value.MaxUploadBytes);
            await form.Read(contentType, body, ct);
            form.RefuseUnknown(fields, files);
            var name = form.RequiredText("name");
            RegistryNames.CheckDatasetName(name);
            if (await NameTaken(name, ct)) throw Taken(name);
            return await load(form, name);
        }, async loaded =>
        {
            var (record, stored) = loaded;
            db.Datasets.Add(record);
            audit.Append(actor, "dataset.import", "dataset", record.Id.ToString(), new
            {
                record.Name,
                format = record.Format.ToString(),
                record.Count,
                record.SampleShape,
                classes = record.ClassNames.Length,
                files = stored.Select(f => new { part = f.Part, fileName = f.FileName, sha256 = f.Sha256, size = f.Size }),
            });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e)
            {
                // Another upload took the name between our check and our save.
                if (await NameTaken(record.Name, CancellationToken.None)) throw Taken(record.Name, e);
                throw;
            }
            return record;
        }, ct);
    }

    private static CsvOptions ReadCsvOptions(UploadForm form)
    {
        var task = form.Text("task");
        var delimiter = form.Text("delimiter");
        return new CsvOptions
        {
            LabelColumn = form.Text("labelColumn"),
            LabelColumnIndex = form.Integer("labelColumnIndex"),
            HasHeader = form.Boolean("header"),
            SkipLines = form.Integer("skipLines") ?? 0,
            Delimiter = delimiter switch
            {
                null => ',',
                { Length: 1 } => delimiter[0],
                "\\t" or "tab" => '\t',
                _ => throw Refusal.Invalid($"Field 'delimiter' must be one character (or 'tab'), not '{delimiter}'."),
            },
            ClassNames = form.List("classNames"),
            Task = task is null ? CsvTask.Classification
                : Enum.TryParse<CsvTask>(task, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed
                : throw Refusal.Invalid($"Field 'task' must be classification or regression, not '{task}'."),
        };
    }

    private DatasetRecord Record(string name, DatasetFormat format, Dataset data, string actor) => new()
    {
        Name = name,
        Format = format,
        SampleShape = [.. data.SampleShape],
        Count = data.Count,
        ClassNames = [.. data.ClassNames],
        CreatedBy = actor,
        CreatedAt = clock.GetUtcNow(),
    };

    private Task<bool> NameTaken(string name, CancellationToken ct) => db.Datasets.AsNoTracking().AnyAsync(d => d.Name == name, ct);

    private static Refusal Taken(string name, Exception? inner = null) => Refusal.Conflict($"A dataset named '{name}' exists; choose another name.", inner);
}
