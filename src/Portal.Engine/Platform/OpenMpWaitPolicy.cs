using System.Runtime.InteropServices;

namespace Portal.Engine.Platform;

/// <summary>
/// How libtorch's OpenMP threads wait between parallel regions. libgomp's default spins for milliseconds, which is
/// fastest only while every thread owns a core: when another process, or the portal's own serving and web threads,
/// take a core, a spinning thread holds its core while the one it waits for is descheduled, and each training step
/// stalls. Sleeping at once (passive waiting) frees the core, but then every op of a small training step pays a
/// futex wake-up per thread, so a second thread made small models slower than one. The threads therefore spin for a
/// short, bounded count (libgomp's GOMP_SPINCOUNT; libgomp estimates 100 000 spins a millisecond), which spans the
/// gap between the ops of one step, and then sleep, so an idle or crowded pool gives its cores back within a fraction
/// of a millisecond. Both settings must be in the native environment before libtorch (and its libgomp) loads; a value
/// already in the environment is kept.
/// </summary>
internal static class OpenMpWaitPolicy
{
    private const string PolicyVariable = "OMP_WAIT_POLICY";
    private const string SpinCountVariable = "GOMP_SPINCOUNT";

    /// <summary>Spins before a waiting thread sleeps: about a fifth of a millisecond by libgomp's estimate.</summary>
    public const int SpinCount = 20_000;

    /// <summary>What was done, for the runtime report.</summary>
    public static string Apply()
    {
        if (!OperatingSystem.IsLinux()) return "OpenMP wait policy left to the runtime (not Linux)";
        var policy = Current();
        var spinCount = Read(SpinCountVariable);
        if (!string.IsNullOrEmpty(policy) || !string.IsNullOrEmpty(spinCount))
        {
            return $"OpenMP threads wait as the environment says ({PolicyVariable}={policy ?? "unset"}, "
                + $"{SpinCountVariable}={spinCount ?? "unset"}), set in the environment";
        }
        return setenv(PolicyVariable, "PASSIVE", 0) == 0 && setenv(SpinCountVariable, SpinCount.ToString(System.Globalization.CultureInfo.InvariantCulture), 0) == 0
            ? $"OpenMP threads spin briefly ({SpinCountVariable}={SpinCount}) between parallel regions, then sleep, so a shared core does not stall training"
            : "OpenMP wait policy left to libgomp (setenv failed)";
    }

    /// <summary>The policy in the native environment, which libgomp reads when it loads.</summary>
    public static string? Current() => Read(PolicyVariable);

    /// <summary>The spin count in the native environment, which libgomp reads when it loads.</summary>
    public static string? CurrentSpinCount() => Read(SpinCountVariable);

    private static string? Read(string variable) => OperatingSystem.IsLinux() ? Marshal.PtrToStringUTF8(getenv(variable)) : null;

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
