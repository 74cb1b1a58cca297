using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Contracts.Registry;
using Portal.Server.Api;
using Portal.Server.Artifacts;
using Portal.Server.Audit;
using Portal.Server.Persistence;

namespace Portal.Server.Registry;

/// <summary>Models, the versions they hold, their tags and their files: everything in the registry except registering a version and moving aliases.</summary>
public sealed class ModelRegistry(PortalDbContext db, AuditLog audit, ArtifactStore artifacts, TimeProvider clock)
{
    public async Task<ModelView> CreateModel(string name, string? description, string actor, CancellationToken ct)
    {
        RegistryNames.CheckModelName(name);
        if (description?.Length > RegistryNames.MaxDescription)
            throw Refusal.Invalid($"The description is {description.Length} characters; at most {RegistryNames.MaxDescription} are kept.");
        var lower = name.ToLowerInvariant();
        if (await db.Models.AnyAsync(m => m.Name.ToLower() == lower, ct))
            throw Refusal.Conflict($"A model named '{name}' exists (model names are unique regardless of case).");
        var model = new RegisteredModel { Name = name, Description = description, CreatedBy = actor, CreatedAt = clock.GetUtcNow() };
        db.Models.Add(model);
        audit.Append(actor, "model.create", "model", model.Id.ToString(), new { name, description });
        await db.SaveChangesAsync(ct);
        return new ModelView(model.Id, model.Name, model.Description, 0, null, [], model.CreatedBy, model.CreatedAt);
    }

    public async Task<Page<ModelView>> ListModels(PageRequest page, CancellationToken ct)
    {
        var ordered = db.Models.AsNoTracking().OrderBy(m => m.Name);
        var total = await ordered.CountAsync(ct);
        var models = await ordered.Skip(page.Skip).Take(page.Take).ToListAsync(ct);
        return new Page<ModelView>(await Views(models, ct), page.Skip, page.Take, total);
    }

    public async Task<ModelView> GetModel(string name, CancellationToken ct) => (await Views([await db.RequireModel(name, ct)], ct))[0];

    /// <summary>
    /// The model named <paramref name="name"/>, created with <paramref name="description"/> (and audited) when there is
    /// none; a name that differs from an existing model's only in case is refused, as by <see cref="CreateModel"/>.
    /// </summary>
    public async Task<ModelView> GetOrCreateModel(string name, string? description, string actor, CancellationToken ct) =>
        await db.Models.AsNoTracking().FirstOrDefaultAsync(m => m.Name == name, ct) is { } model
            ? (await Views([model], ct))[0]
            : await CreateModel(name, description, actor, ct);

    /// <summary>The model's versions, newest first.</summary>
    public async Task<Page<VersionSummary>> ListVersions(string modelName, PageRequest page, CancellationToken ct)
    {
        var model = await db.RequireModel(modelName, ct);
        var ordered = db.ModelVersions.AsNoTracking().Where(v => v.ModelId == model.Id).OrderByDescending(v => v.Number);
        var total = await ordered.CountAsync(ct);
        var versions = await ordered.Skip(page.Skip).Take(page.Take).ToListAsync(ct);
        var ids = versions.Select(v => v.Id).ToList();
        var aliases = (await db.Aliases.AsNoTracking().Where(a => a.ModelId == model.Id && ids.Contains(a.VersionId)).ToListAsync(ct))
            .ToLookup(a => a.VersionId, a => a.Name);
        var items = versions.Select(v => new VersionSummary(
            v.Id, v.Number, v.Source.ToString(), v.RunId, v.ParentVersionId, v.Accuracy, v.LatencyP50Ms, v.LatencyP95Ms, v.ThroughputBatch64,
            [.. aliases[v.Id].Order(StringComparer.Ordinal)], v.CreatedBy, v.CreatedAt)).ToList();
        return new Page<VersionSummary>(items, page.Skip, page.Take, total);
    }

    public async Task<VersionView> GetVersion(string modelName, int number, CancellationToken ct)
    {
        var model = await db.RequireModel(modelName, ct);
        return await VersionViews.Build(db, model, await db.RequireVersion(model, number, ct), ct);
    }

    /// <summary>The version's ONNX file or weights, read from the store and checked against their hash.</summary>
    public async Task<ArtifactDownload> ReadArtifact(string modelName, int number, string kind, CancellationToken ct)
    {
        var model = await db.RequireModel(modelName, ct);
        var version = await db.RequireVersion(model, number, ct);
        var sha = kind switch
        {
            VersionArtifacts.Onnx => version.OnnxArtifact,
            VersionArtifacts.Weights => version.WeightsArtifact
                ?? throw Refusal.NotFound($"Version {number} of model '{model.Name}' has no weights (it was {(version.Source == VersionSource.Import ? "imported as ONNX" : "registered without them")})."),
            _ => throw Refusal.NotFound($"Versions have no artifact '{kind}'; they have '{VersionArtifacts.Onnx}' and '{VersionArtifacts.Weights}'."),
        };
        var record = await db.Artifacts.AsNoTracking().FirstOrDefaultAsync(a => a.Sha256 == sha, ct);
        byte[] content;
        try
        {
            content = await artifacts.ReadVerified(sha, ct);
        }
        catch (FileNotFoundException)
        {
            throw Refusal.NotFound($"The {kind} file of version {number} of model '{model.Name}' ({sha}) is missing from the artifact store.");
        }
        var mediaType = record?.MediaType ?? (kind == VersionArtifacts.Onnx ? VersionArtifacts.OnnxMediaType : VersionArtifacts.SafetensorsMediaType);
        return new ArtifactDownload(content, mediaType, $"{model.Name}-v{number}{VersionArtifacts.Extension(kind)}", sha);
    }

    public async Task<TagView> SetTag(string modelName, int number, string key, string? value, string actor, CancellationToken ct)
    {
        RegistryNames.CheckTag(key, value);
        var model = await db.RequireModel(modelName, ct);
        var version = await db.RequireVersion(model, number, ct);
        var tag = await db.VersionTags.FirstOrDefaultAsync(t => t.VersionId == version.Id && t.Key == key, ct);
        var previous = tag?.Value;
        if (tag is null) db.VersionTags.Add(tag = new VersionTag { VersionId = version.Id, Key = key, Value = value! });
        else tag.Value = value!;
        audit.Append(actor, "version.tag", "version", version.Id.ToString(), new { model = model.Name, version = number, key, value, previous });
        await db.SaveChangesAsync(ct);
        return new TagView(tag.Key, tag.Value);
    }

    public async Task RemoveTag(string modelName, int number, string key, string actor, CancellationToken ct)
    {
        var model = await db.RequireModel(modelName, ct);
        var version = await db.RequireVersion(model, number, ct);
        var tag = await db.VersionTags.FirstOrDefaultAsync(t => t.VersionId == version.Id && t.Key == key, ct)
            ?? throw Refusal.NotFound($"Version {number} of model '{model.Name}' has no tag '{key}'.");
        db.VersionTags.Remove(tag);
        audit.Append(actor, "version.untag", "version", version.Id.ToString(), new { model = model.Name, version = number, key, previous = tag.Value });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Models with their version counts and aliases, in a fixed number of queries whatever their number.</summary>
    private async Task<IReadOnlyList<ModelView>> Views(IReadOnlyList<RegisteredModel> models, CancellationToken ct)
    {
        var ids = models.Select(m => m.Id).ToList();
        var versions = await db.ModelVersions.AsNoTracking().Where(v => ids.Contains(v.ModelId))
            .GroupBy(v => v.ModelId)
            .Select(g => new { ModelId = g.Key, Count = g.Count(), Latest = g.Max(v => v.Number) })
            .ToDictionaryAsync(g => g.ModelId, ct);
        var aliases = await AliasViews.Current(db, ids, ct);
        return [.. models.Select(m => new ModelView(
            m.Id, m.Name, m.Description, versions.GetValueOrDefault(m.Id)?.Count ?? 0, versions.GetValueOrDefault(m.Id)?.Latest, aliases[m.Id], m.CreatedBy, m.CreatedAt))];
    }
}

/// <summary>Builds the full view of one version (lineage, evidence, artifacts, tags, aliases).</summary>
internal static class VersionViews
{
    public static async Task<VersionView> Build(PortalDbContext db, RegisteredModel model, ModelVersion v, CancellationToken ct)
    {
        int? parentNumber = v.ParentVersionId is { } parentId
            ? await db.ModelVersions.AsNoTracking().Where(p => p.Id == parentId).Select(p => (int?)p.Number).FirstOrDefaultAsync(ct)
            : null;
        string? datasetName = v.EvaluationDatasetId is { } datasetId
            ? await db.Datasets.AsNoTracking().Where(d => d.Id == datasetId).Select(d => d.Name).FirstOrDefaultAsync(ct)
            : null;
        var shas = new[] { v.OnnxArtifact, v.WeightsArtifact }.OfType<string>().ToList();
        var records = await db.Artifacts.AsNoTracking().Where(a => shas.Contains(a.Sha256)).ToDictionaryAsync(a => a.Sha256, ct);
        var url = $"/api/v1/models/{Uri.EscapeDataString(model.Name)}/versions/{v.Number}/artifacts";
        var files = new List<ArtifactView>
        {
            new(VersionArtifacts.Onnx, v.OnnxArtifact, records.GetValueOrDefault(v.OnnxArtifact)?.Size,
                records.GetValueOrDefault(v.OnnxArtifact)?.MediaType ?? VersionArtifacts.OnnxMediaType, $"{url}/{VersionArtifacts.Onnx}"),
        };
        if (v.WeightsArtifact is { } weights)
        {
            files.Add(new(VersionArtifacts.Weights, weights, records.GetValueOrDefault(weights)?.Size,
                records.GetValueOrDefault(weights)?.MediaType ?? VersionArtifacts.SafetensorsMediaType, $"{url}/{VersionArtifacts.Weights}"));
        }
        var tags = await db.VersionTags.AsNoTracking().Where(t => t.VersionId == v.Id).OrderBy(t => t.Key).ToListAsync(ct);
        var aliases = await db.Aliases.AsNoTracking().Where(a => a.ModelId == model.Id && a.VersionId == v.Id).Select(a => a.Name).ToListAsync(ct);
        return new VersionView(
            v.Id,
            model.Name,
            v.Number,
            new LineageView(v.Source.ToString(), v.RunId, v.ParentVersionId, parentNumber, Json(v.Recipe), await Training.FineTuneLineage.OfRun(db, v.RunId, ct)),
            new EvidenceView(v.Accuracy, v.EvaluationDatasetId, datasetName, v.LatencyP50Ms, v.LatencyP95Ms, v.ThroughputBatch64, Json(v.EvaluationJson), Json(v.CompressionJson),
                records.GetValueOrDefault(v.OnnxArtifact)?.Size, Read<MeasurementReport>(v.MeasurementJson), BatchCheck(v)),
            files,
            tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal),
            [.. aliases.Order(StringComparer.Ordinal)],
            v.ClassNames,
            Json(v.SpecJson),
            v.CreatedBy,
            v.CreatedAt,
            Read<SignatureView>(v.SignatureJson));
    }

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private static BatchIndependenceView BatchCheck(ModelVersion version)
    {
        var independence = VersionIndependence.Of(version);
        return new BatchIndependenceView(JsonNamingPolicy.CamelCase.ConvertName(independence.Outcome.ToString()), independence.Reason);
    }

    private static T? Read<T>(string? json) where T : class => json is null ? null : JsonSerializer.Deserialize<T>(json, s_json);

    private static JsonElement? Json(string? text) => text is null ? null : JsonSerializer.Deserialize<JsonElement>(text);
}
