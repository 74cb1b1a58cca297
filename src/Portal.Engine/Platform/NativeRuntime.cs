using System.Runtime.InteropServices;
using TorchSharp;

namespace Portal.Engine.Platform;

/// <summary>
/// One start-up of the native runtimes per process: allocator settings, libtorch load check, device and
/// thread choice. Every engine entry point calls <see cref="EnsureStarted"/>; the first call decides.
/// </summary>
public static class NativeRuntime
{
    // glibc mallopt parameters (malloc.h).
    private const int MTrimThreshold = -1;
    private const int MMmapThreshold = -3;
    private const int TrimThresholdBytes = 256 * 1024 * 1024;
    private const int MmapThresholdBytes = 16 * 1024 * 1024;

    private static readonly Lock s_gate = new();
    private static RuntimeInfo? s_info;

    /// <summary>The runtime as started, or null before the first start.</summary>
    public static RuntimeInfo? Current => s_info;

    public static RuntimeInfo EnsureStarted(RuntimeOptions? options = null)
    {
        if (s_info is not null) return s_info;
        lock (s_gate)
        {
            if (s_info is not null) return s_info;
            s_info = Start(options ?? RuntimeOptions.FromEnvironment());
            return s_info;
        }
    }

    /// <summary>
    /// libtorch's OpenMP thread count is per calling thread: every thread that runs tensor work (a training
    /// worker, say) applies the process's setting, or its own choice of <paramref name="threads"/>, before its first op.
    /// </summary>
    public static void ApplyToCurrentThread(RuntimeInfo runtime, int? threads = null)
    {
        var wanted = threads ?? runtime.IntraOpThreads;
        if (torch.get_num_threads() != wanted) torch.set_num_threads(wanted);
    }

    private static RuntimeInfo Start(RuntimeOptions options)
    {
        // Large, short-lived batch tensors otherwise go through mmap/munmap and page faults on every step.
        var allocatorTuned = TuneAllocator();
        var mkl = MklVendorCheck.Apply(); // this and the wait policy must precede libtorch's load to take effect
        var waiting = OpenMpWaitPolicy.Apply();
        LoadLibtorch();

        var threads = options.IntraOpThreads ?? Environment.ProcessorCount;
        torch.set_num_threads(threads);

        string device, reason;
        if (options.ForceCpu)
        {
            device = "cpu";
            reason = "cpu requested by configuration (PORTAL_DEVICE=cpu)";
        }
        else if (torch.cuda.is_available())
        {
            device = "cuda";
            reason = $"CUDA available with {torch.cuda.device_count()} device(s)";
        }
        else
        {
            device = "cpu";
            reason = "CUDA is not available to this libtorch build (CPU package, or no GPU or driver)";
        }
        return new RuntimeInfo(device, reason, threads, options.IntraOpThreads is not null, allocatorTuned, mkl, waiting);
    }

    private static void LoadLibtorch()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or InvalidOperationException or TypeInitializationException)
        {
            throw new NativeRuntimeException(NativeLoadDiagnosis.Explain(AppContext.BaseDirectory, e), e);
        }
    }

    private static bool TuneAllocator()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return mallopt(MTrimThreshold, TrimThresholdBytes) == 1 && mallopt(MMmapThreshold, MmapThresholdBytes) == 1;
        }
        catch (EntryPointNotFoundException)
        {
            return false; // not glibc (musl): keep its defaults
        }
    }

    /// <summary>
    /// Hands the allocator's free pages back to the system. The trim threshold set at start keeps up to its size of
    /// freed heap between steps, for speed; between epochs that slack would otherwise stay resident for good, and a
    /// long job would hold whatever its largest step once needed.
    /// </summary>
    public static void ReturnFreeHeapToSystem()
    {
        if (s_info is not { AllocatorTuned: true }) return;
        malloc_trim(0);
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);
}
