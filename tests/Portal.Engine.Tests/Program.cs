using System.Runtime.InteropServices;
using Portal.Engine.Inference;

namespace Portal.Engine.Tests;

/// <summary>
/// The test runner loads this assembly as a library; <see cref="Platform.EmulatedCpu"/> also starts it as a program,
/// under an emulated CPU, to run an ONNX file there: <c>run-onnx MODEL INPUT BATCH OUTPUT</c> (raw float32 files).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is not ["run-onnx", var model, var input, var batch, var output])
        {
            Console.Error.WriteLine("usage: run-onnx MODEL INPUT BATCH OUTPUT");
            return 2;
        }
        var features = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(input));
        using var session = InferenceModel.Load(model, new InferenceOptions { PreferCuda = false, IntraOpThreads = 1 });
        var logits = session.Run(features, int.Parse(batch, System.Globalization.CultureInfo.InvariantCulture));
        File.WriteAllBytes(output, MemoryMarshal.AsBytes(logits.AsSpan()).ToArray());
        return 0;
    }
}
