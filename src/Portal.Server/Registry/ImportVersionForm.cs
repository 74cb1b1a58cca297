using System.ComponentModel;

namespace Portal.Server.Registry;

/// <summary>
/// The multipart form of POST /api/v1/models/{name}/versions/import, for the API description: the handler reads the
/// form itself, so a missing field gets a message rather than a bare 400.
/// </summary>
public sealed record ImportVersionForm(
    [property: Description("The model as an ONNX file, up to Portal:MaxUploadBytes; ONNX Runtime must be able to load it. Its file name is kept with the version.")]
    IFormFile File,
    [property: Description("A dataset to evaluate the version on (its accuracy becomes the version's evidence). Left out: the version is not evaluated; its latency is measured either way.")]
    Guid? EvaluationDatasetId = null);
