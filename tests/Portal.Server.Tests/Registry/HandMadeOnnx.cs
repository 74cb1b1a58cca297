using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Weights;

namespace Portal.Server.Tests.Registry;

/// <summary>ONNX files with weights set by hand (no training), written by the engine's exporter as another tool would write any file.</summary>
internal static class HandMadeOnnx
{
    /// <summary>
    /// A linear classifier of <see cref="SyntheticImages"/>: class 0 scores the top half's brightness minus the
    /// bottom half's, class 1 the opposite. With the data's noise the halves never overlap, so it is always right.
    /// </summary>
    /// <param name="classZeroBias">Small values change the file, not the answers: a file no other test has stored.</param>
    /// <param name="classLabels">The class names the file records (the portal's metadata), in output order; none when null.</param>
    public static byte[] TopVersusBottom(float classZeroBias = 0f, string[]? classLabels = null)
    {
        var weight = new float[2 * SyntheticImages.Pixels];
        for (var p = 0; p < SyntheticImages.Pixels; p++)
        {
            weight[p] = p < SyntheticImages.Pixels / 2 ? 1f : -1f;
            weight[SyntheticImages.Pixels + p] = -weight[p];
        }
        var spec = new ModelSpec("top-vs-bottom", [SyntheticImages.Pixels], [new LinearLayer(2)]);
        return OnnxExporter.Export(spec, new ModelWeights([new NamedTensor("0.weight", [2, SyntheticImages.Pixels], weight), new NamedTensor("0.bias", [2], [classZeroBias, 0f])]),
            new OnnxExportOptions { ClassLabels = classLabels });
    }

    /// <summary>[batch, 3] → [batch, 2]: fits no dataset of the tests.</summary>
    public static byte[] ThreeFeatures()
    {
        var spec = new ModelSpec("three-features", [3], [new LinearLayer(2)]);
        return OnnxExporter.Export(spec, new ModelWeights([new NamedTensor("0.weight", [2, 3], [1f, 0f, -1f, 0f, 1f, 1f]), new NamedTensor("0.bias", [2], [0f, 0.5f])]));
    }
}
