using Microsoft.ML.OnnxRuntime;

namespace Portal.Engine.Inference;

/// <summary>The one place ONNX Runtime session options are set: threads, optimisation level, execution provider.</summary>
internal static class SessionConfiguration
{
    public static SessionOptions Create(InferenceOptions options, out ExecutionProviderInfo provider)
    {
        if (options.IntraOpThreads is < 0) throw new ArgumentException($"IntraOpThreads must be positive (or null for the runtime's choice), not {options.IntraOpThreads}.");
        if (options.InterOpThreads is < 0) throw new ArgumentException($"InterOpThreads must be positive (or null for the runtime's choice), not {options.InterOpThreads}.");
        var session = new SessionOptions
        {
            IntraOpNumThreads = options.IntraOpThreads ?? 0,
            InterOpNumThreads = options.InterOpThreads ?? 0,
            ExecutionMode = options.ParallelExecution ? ExecutionMode.ORT_PARALLEL : ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = options.Optimization switch
            {
                GraphOptimization.None => GraphOptimizationLevel.ORT_DISABLE_ALL,
                GraphOptimization.Basic => GraphOptimizationLevel.ORT_ENABLE_BASIC,
                GraphOptimization.Extended => GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
                _ => GraphOptimizationLevel.ORT_ENABLE_ALL,
            },
        };
        try
        {
            provider = AddProvider(session, options);
        }
        catch
        {
            session.Dispose();
            throw;
        }
        return session;
    }

    /// <summary>The provider a session with these options would use, without loading a model.</summary>
    public static ExecutionProviderInfo Describe(InferenceOptions options)
    {
        using var session = Create(options, out var provider);
        return provider;
    }

    private static ExecutionProviderInfo AddProvider(SessionOptions session, InferenceOptions options)
    {
        if (!options.PreferCuda)
            return new ExecutionProviderInfo("cpu", "CPU requested by the inference options");
        var decided = CudaAvailability.Decide(options.CudaDeviceId);
        if (decided.Device != "cuda") return decided;
        try
        {
            session.AppendExecutionProvider_CUDA(options.CudaDeviceId);
            return decided;
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            return new ExecutionProviderInfo("cpu", $"the CUDA execution provider started once but not for this session ({e.Message})");
        }
    }
}
