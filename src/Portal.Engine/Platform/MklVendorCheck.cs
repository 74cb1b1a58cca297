using System.Runtime.InteropServices;

namespace Portal.Engine.Platform;

/// <summary>
/// Makes libtorch's statically linked MKL use its fast kernels on AMD CPUs by loading a one-function library
/// (<c>mkl_serv_intel_cpu_true</c> returning 1) into the global symbol scope before libtorch loads: without it MKL
/// runs generic kernels on AMD, leaving the CPU's wide vector units idle in every matrix product. Set
/// PORTAL_MKL_AMD=0 to leave MKL's default.
/// </summary>
internal static class MklVendorCheck
{
    private const string ShimFile = "libportal_mkl_intel_cpu.so";
    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;

    /// <summary>What was done, for the runtime report; null when nothing applies (not AMD, or disabled).</summary>
    public static string? Apply()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("PORTAL_MKL_AMD") == "0" || !CpuFeatures.Current.IsAmd)
            return null;
        var shim = Path.Combine(AppContext.BaseDirectory, ShimFile);
        if (!File.Exists(shim))
            return $"AMD CPU: MKL keeps its generic kernels ({ShimFile} was not built: install a C compiler and rebuild)";
        return dlopen(shim, RtldNow | RtldGlobal) != IntPtr.Zero
            ? "AMD CPU: MKL vendor check answered so MKL picks kernels by CPU features"
            : $"AMD CPU: MKL keeps its generic kernels ({ShimFile} did not load)";
    }

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern IntPtr dlopen([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}
