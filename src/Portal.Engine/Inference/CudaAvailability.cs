using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Portal.Engine.Onnx.Protobuf;

namespace Portal.Engine.Inference;

/// <summary>
/// Whether sessions can run on the CUDA execution provider of a device, decided once per device for the process: the
/// first session that prefers CUDA pays for loading the provider and starting a probe session on it; every later
/// session gets the same answer, so a host without CUDA does not retry (and log) a failed load per model.
/// </summary>
internal static class CudaAvailability
{
    public const string CudaProvider = "CUDAExecutionProvider";

    private static readonly ConcurrentDictionary<int, Lazy<ExecutionProviderInfo>> s_decisions = new();

    private static readonly Lazy<(string[] Providers, string? Error)> s_available = new(() =>
    {
        try
        {
            return (OrtEnv.Instance().GetAvailableProviders(), null);
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            return ([], e.Message);
        }
    });

    public static ExecutionProviderInfo Decide(int deviceId) =>
        s_decisions.GetOrAdd(deviceId, id => new Lazy<ExecutionProviderInfo>(() => Probe(id))).Value;

    private static ExecutionProviderInfo Probe(int deviceId)
    {
        var (providers, error) = s_available.Value;
        if (error is not null)
            return Cpu($"ONNX Runtime could not list its execution providers ({error})");
        if (!providers.Contains(CudaProvider, StringComparer.Ordinal))
            return Cpu($"this ONNX Runtime build has no CUDA execution provider (it has {string.Join(", ", providers)})");
        using var options = new SessionOptions();
        try
        {
            options.AppendExecutionProvider_CUDA(deviceId);
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            return Cpu($"CUDA provider not loaded: {CudaProviderLoadError.Explain(e)}");
        }
        // Loading the provider does not touch the device; a session does, so a host with CUDA's libraries but no
        // usable GPU is found here rather than at each model's load.
        try
        {
            using var session = new InferenceSession(ProbeModel(), options);
        }
        catch (OnnxRuntimeException e)
        {
            return Cpu($"CUDA provider loaded but no session starts on device {deviceId}: {e.Message}");
        }
        return new ExecutionProviderInfo("cuda", $"CUDA execution provider on device {deviceId}");
    }

    private static ExecutionProviderInfo Cpu(string reason) => new("cpu", reason);

    /// <summary>The smallest graph a session accepts: y = Identity(x) over one float.</summary>
    private static byte[] ProbeModel()
    {
        var graph = new GraphProto { Name = "cuda_probe" };
        graph.Input.Add(Scalar("x"));
        graph.Output.Add(Scalar("y"));
        graph.Node.Add(new NodeProto { OpType = "Identity", Input = { "x" }, Output = { "y" } });
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model.ToByteArray();
    }

    private static ValueInfoProto Scalar(string name) => new()
    {
        Name = name,
        Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dimension { DimValue = 1 } } } } },
    };
}
