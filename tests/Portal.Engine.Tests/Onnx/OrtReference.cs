using Microsoft.ML.OnnxRuntime;

namespace Portal.Engine.Tests.Onnx;

/// <summary>ONNX Runtime used directly, without the engine's inference layer, so export tests check the file alone.</summary>
internal static class OrtReference
{
    public static float[] Run<T>(byte[] model, T[] input, long[] shape)
        where T : unmanaged
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, [session.InputNames[0]], [value], [session.OutputNames[0]]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
