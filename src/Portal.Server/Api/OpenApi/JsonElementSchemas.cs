using System.Collections.Frozen;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Portal.Contracts.Compression;
using Portal.Contracts.Evaluations;
using Portal.Contracts.Jobs;
using Portal.Contracts.Registry;
using Portal.Contracts.Training;
using Portal.Engine.Compression;
using Portal.Engine.Models;
using Portal.Engine.Training;
using Portal.Server.Compression;
using Portal.Server.Evaluations;
using Portal.Server.Jobs;
using Portal.Server.Registry;
using Portal.Server.Training;

namespace Portal.Server.Api.OpenApi;

/// <summary>
/// The shapes behind the fields the API keeps as raw JSON (<c>JsonElement</c>), which the generator can only describe
/// as "any value": a run's spec and options, a compression recipe, a job's payload, a classification report.
/// </summary>
internal sealed class JsonElementSchemas : IOpenApiSchemaTransformer
{
    private delegate Task<IOpenApiSchema> SchemaOf(OpenApiSchemaTransformerContext context, CancellationToken ct);

    private static readonly FrozenDictionary<Type, Dictionary<string, SchemaOf>> s_fields = new Dictionary<Type, Dictionary<string, SchemaOf>>
    {
        [typeof(CreateRunRequest)] = new()
        {
            ["spec"] = (c, ct) => SpecOrReadyName(c, "The network: a ready spec's name, or a whole spec (input shape and layers).", ct),
            ["options"] = (c, ct) => Shape<RunOptions>(c, "The hyper-parameters; every field is optional and takes the engine's default when left out. Unknown fields are refused.", nullable: true, ct),
        },
        [typeof(RunView)] = new()
        {
            ["spec"] = (c, ct) => Shape<ModelSpec>(c, "The network trained, in full (a ready spec's name is expanded).", nullable: false, ct),
            ["options"] = (c, ct) => Shape<TrainingOptions>(c, "The engine's options the run trains with: the request's options with every default filled in.", nullable: false, ct),
        },
        [typeof(CompressRequest)] = new()
        {
            ["recipe"] = (c, ct) => Shape<CompressionRecipe>(c, "The method (prune-unstructured, prune-structured, quantize-int8 or distill) and its settings. A distillation's student may be a ready spec's name instead of a spec.", nullable: false, ct),
        },
        [typeof(CompressionView)] = new()
        {
            ["recipe"] = (c, ct) => Shape<CompressionRecipe>(c, "The recipe as the engine read it, defaults filled in.", nullable: false, ct),
        },
        [typeof(LineageView)] = new()
        {
            ["recipe"] = (c, ct) => Shape<CompressionRecipe>(c, "For a compressed version, the recipe that made it from its parent.", nullable: true, ct),
        },
        [typeof(VersionView)] = new()
        {
            ["spec"] = (c, ct) => Shape<ModelSpec>(c, "The network, for a version made from a run or a compression; null for an imported ONNX file.", nullable: true, ct),
        },
        [typeof(EvidenceView)] = new()
        {
            ["evaluation"] = (c, ct) => Shape<ClassificationReport>(c, "The classification report on the evaluation dataset; null when the version was not evaluated.", nullable: true, ct),
            ["compression"] = (c, ct) => Shape<CompressionReport>(c, "For a compressed version, its figures side by side with its parent's.", nullable: true, ct),
        },
        [typeof(EvaluationView)] = new()
        {
            ["report"] = (c, ct) => Shape<ClassificationReport>(c, "The classification report, once the evaluation succeeded.", nullable: true, ct),
        },
        [typeof(JobView)] = new()
        {
            ["payload"] = (_, _) => Task.FromResult<IOpenApiSchema>(new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "What the job works on, by kind: {\"runId\": …} for training and export, {\"evaluationId\": …} for evaluation, {\"compressionId\": …} for compression.",
            }),
        },
    }.ToFrozenDictionary();

    public async Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        // A type is met at the top of a body or as another type's property (EvidenceView in VersionView); either way its fields are replaced.
        if (schema.Properties is null || !s_fields.TryGetValue(context.JsonTypeInfo.Type, out var fields)) return;
        foreach (var (name, schemaOf) in fields)
        {
            if (!schema.Properties.ContainsKey(name))
                throw new InvalidOperationException($"{context.JsonTypeInfo.Type.Name} has no JSON field '{name}' to describe.");
            schema.Properties[name] = await schemaOf(context, cancellationToken);
        }
    }

    private static async Task<IOpenApiSchema> Shape<T>(OpenApiSchemaTransformerContext context, string description, bool nullable, CancellationToken ct)
    {
        var shape = await context.GetOrCreateSchemaAsync(typeof(T), cancellationToken: ct);
        return new OpenApiSchema
        {
            Description = description,
            OneOf = nullable ? [new OpenApiSchema { Type = JsonSchemaType.Null }, shape] : null,
            AllOf = nullable ? null : [shape],
        };
    }

    private static async Task<IOpenApiSchema> SpecOrReadyName(OpenApiSchemaTransformerContext context, string description, CancellationToken ct)
    {
        var readyName = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "A ready spec's name.",
            Enum = [.. ReadySpecs.All.Select(s => (JsonNode)JsonValue.Create(s.Name))],
        };
        return new OpenApiSchema
        {
            Description = description,
            OneOf = [readyName, await context.GetOrCreateSchemaAsync(typeof(ModelSpec), cancellationToken: ct)],
        };
    }
}
