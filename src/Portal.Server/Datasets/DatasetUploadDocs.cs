using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Portal.Server.Datasets;

/// <summary>
/// The OpenAPI description of the upload forms. The handlers read the multipart body as it streams (so nothing
/// binds it for the document to infer); every part <see cref="DatasetImporter"/> takes is described here, with its
/// type, default and meaning.
/// </summary>
public static class DatasetUploadDocs
{
    public const string NameDescription =
        "The dataset's name, unique: 1..100 letters, digits, '-', '_' or '.', starting with a letter or digit.";

    public const string ClassNamesDescription =
        "The class names in label order (label 0 first), comma-separated or the field repeated.";

    private sealed record Part(string Name, JsonSchemaType Type, string Description, bool Required = false, string? Format = null,
        JsonNode? Default = null, string[]? Values = null);

    private static readonly Part[] s_idx =
    [
        new("name", JsonSchemaType.String, NameDescription, Required: true),
        new("images", JsonSchemaType.String, "The images: an IDX file of unsigned bytes [N, height, width] (magic 0x00000803), raw or gzip.",
            Required: true, Format: "binary"),
        new("labels", JsonSchemaType.String, "The labels: an IDX file of N unsigned bytes (magic 0x00000801), one per image, raw or gzip.",
            Required: true, Format: "binary"),
        new("classNames", JsonSchemaType.String, $"{ClassNamesDescription} Every label must have a name. Default: the label numbers 0..max."),
    ];

    private static readonly Part[] s_csv =
    [
        new("name", JsonSchemaType.String, NameDescription, Required: true),
        new("file", JsonSchemaType.String, "The CSV file (UTF-8, RFC 4180 quoting): one sample per row; every column but the label is a number.",
            Required: true, Format: "binary"),
        new("labelColumn", JsonSchemaType.String, "The label column by its header name (needs a header). Default: the last column. Not with labelColumnIndex."),
        new("labelColumnIndex", JsonSchemaType.Integer, "The label column by its 0-based index. Default: the last column. Not with labelColumn."),
        new("header", JsonSchemaType.Boolean,
            "Whether the first line after the skipped ones names the columns. Default true; but a first line of numbers only is refused " +
            "unless header is given (true: it names the columns; false: it is the first sample), since it is either.",
            Default: JsonValue.Create(true)),
        new("skipLines", JsonSchemaType.Integer, "Lines to ignore at the start of the file (a preamble or comments), before any header.",
            Default: JsonValue.Create(0)),
        new("delimiter", JsonSchemaType.String, "The field delimiter: one character, or 'tab'.", Default: JsonValue.Create(",")),
        new("task", JsonSchemaType.String, "classification: the label column holds classes; regression: it holds the numbers to predict.",
            Default: JsonValue.Create("classification"), Values: ["classification", "regression"]),
        new("classNames", JsonSchemaType.String,
            $"{ClassNamesDescription} Classification only; every label must be one of them. Default: the distinct labels sorted " +
            "(numerically when all are integers, else by ordinal string order). The order used is recorded in the dataset's csvOptions.classNames."),
    ];

    private static readonly Part[] s_text =
    [
        new("name", JsonSchemaType.String, NameDescription, Required: true),
        new("file", JsonSchemaType.String,
            "The texts (UTF-8; other bytes are refused with their line): CSV with a header, or JSON Lines (one object per line).",
            Required: true, Format: "binary"),
        new("format", JsonSchemaType.String, "csv or jsonl.", Default: JsonValue.Create("csv"), Values: ["csv", "jsonl"]),
        new("textColumn", JsonSchemaType.String, "The CSV column (header name) or JSON field holding the text.", Default: JsonValue.Create("text")),
        new("labelColumn", JsonSchemaType.String,
            "The CSV column or JSON field holding the class (a string, or an integer in JSON). Classes are the distinct labels sorted.",
            Default: JsonValue.Create("label")),
        new("delimiter", JsonSchemaType.String, "The CSV field delimiter: one character, or 'tab'.", Default: JsonValue.Create(",")),
        new("minCount", JsonSchemaType.Integer, "A word enters the vocabulary when these texts hold it at least this often.", Default: JsonValue.Create(2)),
        new("maxVocabulary", JsonSchemaType.Integer, "The most token ids, padding (0) and unknown (1) included.",
            Default: JsonValue.Create(Portal.Engine.Data.VocabularyOptions.DefaultMaxSize)),
        new("vocabularyFrom", JsonSchemaType.String,
            "The name of a text dataset whose tokenizer this one takes instead of building its own (a test set takes its training set's). " +
            "Not with minCount or maxVocabulary."),
    ];

    public static RouteHandlerBuilder DescribeTextUpload(this RouteHandlerBuilder endpoint) => endpoint
        .WithSummary("Upload a text dataset")
        .WithDescription(
            "Registers labelled texts from a CSV or JSON Lines file, streamed into the artifact store and read back by the engine, whose " +
            "message names the line and the column or field at fault. A word-level tokenizer (lower-cased; id 0 padding, 1 unknown) is " +
            "built from these texts, or taken from vocabularyFrom, and stored with the dataset; a token spec trained on it carries it on. " +
            "Contributor. Unknown fields are refused by name.")
        .AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.RequestBody = Body(s_text, new JsonObject
            {
                ["name"] = "reviews-train",
                ["file"] = "(file) reviews-train.jsonl",
                ["format"] = "jsonl",
                ["textColumn"] = "review",
                ["labelColumn"] = "sentiment",
                ["minCount"] = 2,
            });
            return Task.CompletedTask;
        });

    public static RouteHandlerBuilder DescribeIdxUpload(this RouteHandlerBuilder endpoint) => endpoint
        .WithSummary("Upload an IDX dataset")
        .WithDescription(
            "Registers images and their labels, each an IDX file (as MNIST and Fashion-MNIST are published), streamed into the artifact store " +
            "and read back by the engine, whose message is the answer to a bad file. Contributor. Unknown parts are refused by name.")
        .AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.RequestBody = Body(s_idx, new JsonObject
            {
                ["name"] = "digits-train",
                ["images"] = "(file) train-images-idx3-ubyte.gz",
                ["labels"] = "(file) train-labels-idx1-ubyte.gz",
                ["classNames"] = "zero,one,two,three,four,five,six,seven,eight,nine",
            });
            return Task.CompletedTask;
        });

    public static RouteHandlerBuilder DescribeCsvUpload(this RouteHandlerBuilder endpoint) => endpoint
        .WithSummary("Upload a CSV dataset")
        .WithDescription(
            "Registers a CSV file of numeric features and a label column (classes, or numbers for regression), streamed into the artifact " +
            "store and read back by the engine, whose message names the line and column at fault. Contributor. Unknown fields are refused " +
            "by name. The dataset's csvOptions record how the file was read: the header decided and the class order used.")
        .AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.RequestBody = Body(s_csv, new JsonObject
            {
                ["name"] = "breast-cancer-test",
                ["file"] = "(file) wdbc-test.csv",
                ["labelColumn"] = "diagnosis",
                ["header"] = true,
                ["task"] = "classification",
                ["classNames"] = "malignant,benign",
            });
            return Task.CompletedTask;
        });

    private static OpenApiRequestBody Body(Part[] parts, JsonObject example) => new()
    {
        Required = true,
        Description = "multipart/form-data: the files as file parts, the options as text fields.",
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["multipart/form-data"] = new()
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Properties = parts.ToDictionary(p => p.Name, p => (IOpenApiSchema)new OpenApiSchema
                    {
                        Type = p.Type,
                        Format = p.Format,
                        Description = p.Description,
                        // A node belongs to one document: each document gets its own copy.
                        Default = p.Default?.DeepClone(),
                        Enum = p.Values is null ? null : [.. p.Values.Select(v => (JsonNode)JsonValue.Create(v))],
                    }),
                    Required = parts.Where(p => p.Required).Select(p => p.Name).ToHashSet(),
                },
                Example = example,
            },
        },
    };
}
