using Portal.Engine.Data;
using Portal.Engine.Evaluation;
using Portal.Engine.Models;

namespace Portal.Engine.Compression;

/// <summary>
/// What to compress and how. <see cref="Train"/> feeds fine-tuning, distillation and calibration; <see cref="Test"/>
/// is where both models' accuracy is measured (and, for int8, the tolerance is checked).
/// </summary>
public sealed record CompressionRequest(TrainedModel Parent, CompressionRecipe Recipe, Dataset Train, Dataset Test)
{
    /// <summary>Times parent and child for the report; the portal passes the meter that times every version, so both are measured alike.</summary>
    public ModelMeter Meter { get; init; } = new(new MeasurementOptions());

    /// <summary>
    /// The tokenizer a text parent was trained with (<see cref="WordTokenizer.ToJson"/>), null for a parent on features:
    /// the compressed ONNX file carries it as the parent's does, so it is served from text alike.
    /// </summary>
    public string? Tokenizer { get; init; }
}
