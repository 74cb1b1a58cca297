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
    private const string TextMediaType = "text/plain";
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);


    /// <summary>The text fields of an IDX upload.</summary>
    public static readonly string[] IdxFields = ["name", "classNames"];

    /// <summary>The file parts of an IDX upload.</summary>
    public static readonly string[] IdxFiles = ["images", "labels"];

    /// <summary>The text fields of a CSV upload.</summary>
    public static readonly string[] CsvFields = ["name", "labelColumn", "labelColumnIndex", "header", "skipLines", "delimiter", "task", "classNames"];

    /// <summary>The file part of a CSV upload.</summary>
    public static readonly string[] CsvFiles = ["file"];

    /// <summary>The text fields of a text upload.</summary>
    public static readonly string[] TextFields = ["name", "format", "textColumn", "labelColumn", "delimiter", "minCount", "maxVocabulary", "vocabularyFrom"];

    /// <summary>Parts: <c>images</c> and <c>labels</c> (IDX files, raw or gzip), <c>name</c>, optional <c>classNames</c> (comma-separated or repeated).</summary>
    public Task<DatasetRecord> ImportIdx(string? contentType, Stream body, string actor, CancellationToken ct) =>
        Import(contentType, body, actor, IdxFields, IdxFiles, IdxMediaType, async (form, _, name) =>
        {
            var images = form.File("images");
            var labels = form.File("labels");
            var classNames = form.List("classNames");
            var data = IdxLoader.LoadImagesAndLabels(
                new MemoryStream(await artifacts.ReadVerified(images.Sha256, ct)),
                new MemoryStream(await artifacts.ReadVerified(labels.Sha256, ct)),
                name, classNames);
            var record = Record(name, DatasetFormat.Idx, data.Count, data.SampleShape, data.ClassNames, actor);
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
        Import(contentType, body, actor, CsvFields, CsvFiles, CsvMediaType, async (form, _, name) =>
        {
            var file = form.File("file");
            var csv = ReadCsvOptions(form);
            Dataset data;
            using (var reader = new StreamReader(new MemoryStream(await artifacts.ReadVerified(file.Sha256, ct))))
                data = CsvLoader.Load(reader, name, csv);
            var record = Record(name, DatasetFormat.Csv, data.Count, data.SampleShape, data.ClassNames, actor);
            record.PrimaryArtifact = file.Sha256;
            var used = csv with { HasHeader = csv.HasHeader ?? true, ClassNames = data.IsClassification ? data.ClassNames : null };
            record.CsvOptions = JsonSerializer.Serialize(used, s_json);
            return (record, [file]);
        }, ct);

    /// <summary>
    /// Parts: <c>file</c> (UTF-8), <c>name</c>, and optionally <c>format</c> (csv or jsonl; default csv),
    /// <c>textColumn</c> and <c>labelColumn</c> (CSV header names or JSON fields; default text and label),
    /// <c>delimiter</c> (CSV), <c>minCount</c> and <c>maxVocabulary</c> (the vocabulary's limits), or
    /// <c>vocabularyFrom</c>: the name of a text dataset (its training set) whose tokenizer this one takes instead of
    /// building its own, as a test set must. The tokenizer is stored with the dataset.
    /// </summary>
    public Task<DatasetRecord> ImportText(string? contentType, Stream body, string actor, CancellationToken ct) =>
        Import(contentType, body, actor, TextFields, CsvFiles, TextMediaType, async (form, batch, name) =>
        {
            var file = form.File("file");
            var import = ReadTextOptions(form);
            var data = TextFileReader.Read(await artifacts.ReadVerified(file.Sha256, ct), name, import);
            var (tokenizerJson, vocabulary, from) = await Tokenizer(form, data, name, ct);
            var stored = await batch.Write(System.Text.Encoding.UTF8.GetBytes(tokenizerJson), BuiltinDatasets.TokenizerMediaType, ct);
            var record = Record(name, DatasetFormat.Text, data.Count, [], data.ClassNames, actor);
            record.PrimaryArtifact = file.Sha256;
            record.TokenizerArtifact = stored.Sha256;
            record.TextOptions = JsonSerializer.Serialize(new TextDatasetOptions(import, vocabulary, from), s_json);
            return (record, [file, new UploadForm.StoredFile("tokenizer", "tokenizer.json", stored.Sha256, stored.Size)]);
        }, ct);

    /// <summary>The tokenizer built from <paramref name="data"/>, or the one of the dataset named by <c>vocabularyFrom</c>.</summary>
    private async Task<(string Json, VocabularyOptions Options, string From)> Tokenizer(UploadForm form, TextDataset data, string name, CancellationToken ct)
    {
        var minCount = form.Integer("minCount");
        var maxVocabulary = form.Integer("maxVocabulary");
        if (form.Text("vocabularyFrom") is not { } from)
        {
            var options = new VocabularyOptions
            {
                MinCount = minCount ?? new VocabularyOptions().MinCount,
                MaxSize = maxVocabulary ?? VocabularyOptions.DefaultMaxSize,
            };
            return (WordTokenizer.Build(data, options).ToJson(), options, name);
        }
        if (minCount is not null || maxVocabulary is not null)
            throw Refusal.Invalid("Give either vocabularyFrom (take that dataset's tokenizer) or minCount and maxVocabulary (build one), not both.");
        var source = await db.Datasets.AsNoTracking().FirstOrDefaultAsync(d => d.Name == from, ct)
            ?? throw Refusal.Invalid($"vocabularyFrom: there is no dataset named '{from}'.");
        if (source.TokenizerArtifact is not { } sha)
            throw Refusal.Invalid($"vocabularyFrom: dataset '{from}' is not a text dataset, so it has no tokenizer.");
        var json = System.Text.Encoding.UTF8.GetString(await artifacts.ReadVerified(sha, ct));
        return (json, WordTokenizer.FromJson(json).Options, from);
    }

    private static TextImportOptions ReadTextOptions(UploadForm form)
    {
        var format = form.Text("format");
        var defaults = new TextImportOptions();
        return new TextImportOptions
        {
            Format = format?.ToLowerInvariant() switch
            {
                null or "csv" => TextFileFormat.Csv,
                "jsonl" or "jsonlines" => TextFileFormat.JsonLines,
                _ => throw Refusal.Invalid($"Field 'format' must be csv or jsonl, not '{format}'."),
            },
            TextColumn = form.Text("textColumn") ?? defaults.TextColumn,
            LabelColumn = form.Text("labelColumn") ?? defaults.LabelColumn,
            Delimiter = Delimiter(form.Text("delimiter")),
        };
    }

    private async Task<DatasetRecord> Import(string? contentType, Stream body, string actor, string[] fields, string[] files, string mediaType,
        Func<UploadForm, ArtifactBatch, string, Task<(DatasetRecord Record, UploadForm.StoredFile[] Files)>> load, CancellationToken ct)
    {
        return await artifacts.Keep(db, async batch =>
        {
            var form = new UploadForm(batch, mediaType, options.Value.MaxUploadBytes);
            await form.Read(contentType, body, ct);
            form.RefuseUnknown(fields, files);
            var name = form.RequiredText("name");
            RegistryNames.CheckDatasetName(name);
            if (await NameTaken(name, ct)) throw Taken(name);
            return await load(form, batch, name);
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
            Delimiter = Delimiter(delimiter),
            ClassNames = form.List("classNames"),
            Task = task is null ? CsvTask.Classification
                : Enum.TryParse<CsvTask>(task, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) ? parsed
                : throw Refusal.Invalid($"Field 'task' must be classification or regression, not '{task}'."),
        };
    }

    private static char Delimiter(string? delimiter) => delimiter switch
    {
        null => ',',
        { Length: 1 } => delimiter[0],
        "\\t" or "tab" => '\t',
        _ => throw Refusal.Invalid($"Field 'delimiter' must be one character (or 'tab'), not '{delimiter}'."),
    };

    private DatasetRecord Record(string name, DatasetFormat format, int count, IReadOnlyList<int> sampleShape, IReadOnlyList<string> classNames, string actor) => new()
    {
        Name = name,
        Format = format,
        SampleShape = [.. sampleShape],
        Count = count,
        ClassNames = [.. classNames],
        CreatedBy = actor,
        CreatedAt = clock.GetUtcNow(),
    };

    private Task<bool> NameTaken(string name, CancellationToken ct) => db.Datasets.AsNoTracking().AnyAsync(d => d.Name == name, ct);

    private static Refusal Taken(string name, Exception? inner = null) => Refusal.Conflict($"A dataset named '{name}' exists; choose another name.", inner);
}
