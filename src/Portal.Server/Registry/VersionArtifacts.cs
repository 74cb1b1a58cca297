namespace Portal.Server.Registry;

/// <summary>The two files a version can have, as named in URLs (<c>…/artifacts/onnx</c>, <c>…/artifacts/weights</c>).</summary>
public static class VersionArtifacts
{
    public const string Onnx = "onnx";
    public const string Weights = "weights";

    // Neither format has a registered media type; these say what the bytes are.
    public const string OnnxMediaType = "application/onnx";
    public const string SafetensorsMediaType = "application/safetensors";

    public static string Extension(string kind) => kind == Onnx ? ".onnx" : ".safetensors";
}
