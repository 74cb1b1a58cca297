using Portal.Engine.Models;

namespace Portal.Engine.Compression;

/// <summary>
/// The compressed model. <see cref="Model"/> is its float form (for int8, the parent's, from which the graph was
/// quantised); <see cref="Onnx"/> is the artifact to serve — the int8 QDQ graph for quantisation, else the export
/// of <see cref="Model"/> with the parent's standardisation in the graph.
/// </summary>
public sealed record CompressionResult(CompressionRecipe Recipe, TrainedModel Model, byte[] Onnx, CompressionReport Report);
