using Portal.Engine.Models;

namespace Portal.Server.Registry;

/// <summary>
/// A model made from a parent version (by compression), ready to become a version: its ONNX file, its float weights
/// and spec when it has them (an int8 graph has neither), the recipe and the report that made and measured it.
/// </summary>
public sealed record DerivedVersion(
    Guid VersionId,
    Guid ModelId,
    Guid ParentVersionId,
    Guid EvaluationDatasetId,
    ModelSpec? Spec,
    string[] ClassNames,
    byte[] Onnx,
    byte[]? Weights,
    string RecipeJson,
    string ReportJson,
    Guid CompressionId)
{
    /// <summary>
    /// The spec the evaluation dataset is read for (the parent's, when the child has none) and, for a model on token
    /// ids, the tokenizer the parent was trained with (its JSON); null reads the dataset as plain features.
    /// </summary>
    public (ModelSpec Spec, string? Tokenizer)? Evaluation { get; init; }
}
