using Microsoft.ML.OnnxRuntime;
using OrtElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace Portal.Engine.Inference;

/// <summary>
/// Per-thread ONNX Runtime I/O bindings for the batched float fast path. A serving loop reuses its buffers, so
/// the tensor values over them are created and bound once and each later call is a bare RunWithBinding; a new
/// buffer address or size is bound anew. A stale binding is never run: a call runs only after binding exactly
/// the memory it has pinned.
/// </summary>
internal sealed class FastPathBindings : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly string _inputName;
    private readonly string _outputName;
    private readonly ThreadLocal<ThreadBinding> _perThread;

    public FastPathBindings(InferenceSession session, RunOptions runOptions, string inputName, string outputName)
    {
        _session = session;
        _runOptions = runOptions;
        _inputName = inputName;
        _outputName = outputName;
        _perThread = new ThreadLocal<ThreadBinding>(() => new ThreadBinding(_session.CreateIoBinding()), trackAllValues: true);
    }

    /// <summary>Runs over memory the caller has pinned for the duration of the call.</summary>
    public void Run(nint input, long inputCount, long[] inputShape, nint output, long outputCount, long[] outputShape)
    {
        var binding = _perThread.Value!;
        if (binding.InputAddress != input || binding.InputCount != inputCount)
        {
            var value = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, OrtElementType.Float, inputShape, input, inputCount * sizeof(float));
            binding.Replace(ref binding.Input, value);
            binding.InputAddress = 0; // unbound until BindInput succeeds
            binding.IoBinding.BindInput(_inputName, value);
            (binding.InputAddress, binding.InputCount) = (input, inputCount);
        }
        if (binding.OutputAddress != output || binding.OutputCount != outputCount)
        {
            var value = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, OrtElementType.Float, outputShape, output, outputCount * sizeof(float));
            binding.Replace(ref binding.Output, value);
            binding.OutputAddress = 0;
            binding.IoBinding.BindOutput(_outputName, value);
            (binding.OutputAddress, binding.OutputCount) = (output, outputCount);
        }
        _session.RunWithBinding(_runOptions, binding.IoBinding);
    }

    /// <summary>Call only when no run is in flight.</summary>
    public void Dispose()
    {
        foreach (var binding in _perThread.Values) binding.Dispose();
        _perThread.Dispose();
    }

    private sealed class ThreadBinding(OrtIoBinding ioBinding) : IDisposable
    {
        public readonly OrtIoBinding IoBinding = ioBinding;
        public OrtValue? Input;
        public OrtValue? Output;
        public nint InputAddress;
        public long InputCount;
        public nint OutputAddress;
        public long OutputCount;

        public void Replace(ref OrtValue? slot, OrtValue value)
        {
            slot?.Dispose();
            slot = value;
        }

        public void Dispose()
        {
            IoBinding.Dispose();
            Input?.Dispose();
            Output?.Dispose();
        }
    }
}
