using Microsoft.ML.OnnxRuntime;
using Portal.Engine.Onnx;

namespace Portal.Engine.Compression;

/// <summary>The graph ONNX Runtime actually runs on this CPU, after all its optimisations.</summary>
internal static class RuntimeGraph
{
    /// <summary>
    /// Operator types after QDQ fusion, the channels-last layout of int8 convolutions and pooling, the blocked layout
    /// of float ones, and the transposes left.
    /// </summary>
    public static IReadOnlyDictionary<string, int> Operators(byte[] onnx)
    {
        var path = Path.Combine(Path.GetTempPath(), $"portal-optimized-{Guid.NewGuid():N}.onnx");
        try
        {
            // Level ALL, as the measurements run; saving such a graph makes ONNX Runtime warn that it suits this machine only.
            using (var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                OptimizedModelFilePath = path,
                IntraOpNumThreads = 1,
                LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
            })
            using (new InferenceSession(onnx, options))
            {
            }
            var model = OnnxInspector.Parse(File.ReadAllBytes(path), "the optimised model");
            return model.Graph.Node.GroupBy(n => n.OpType).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
