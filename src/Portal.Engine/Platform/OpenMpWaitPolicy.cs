using System.Runtime.InteropServices;

namespace Portal.Engine.Platform;

/// <summary>
/// How libtorch's OpenMP threads wait between parallel regions. libgomp's default spins, which is fastest only while
/// every thread owns a core: when another process, or the portal's own serving and web threads, take a core, a
/// spinning thread holds its core while the one it waits for is descheduled, and each training step stalls.
/// Passive waiting sleeps on a futex instead, so training keeps its pace on a shared machine. The setting must be in
/// the native environment before libtorch (and its libgomp) loads; one already in the environment is kept.
/// </summary>
internal static class OpenMpWaitPolicy
{
    private const string Variable = "OMP_WAIT_POLICY";

    /// <summary>What was done, for the runtime report.</summary>
    public static string Apply()
    {
        if (!OperatingSystem.IsLinux()) return "OpenMP wait policy left to the runtime (not Linux)";
        var existing = Current();
        if (!string.IsNullOrEmpty(existing)) return $"OpenMP threads wait as {Variable}={existing} says (set in the environment)";
        return setenv(Variable, "PASSIVE", 0) == 0
            ? "OpenMP threads wait passively between parallel regions, so a shared core does not stall training"
            : "OpenMP wait policy left to libgomp (setenv failed)";
    }

    /// <summary>The policy in the native environment, which libgomp reads when it loads.</summary>
    public static string? Current() => OperatingSystem.IsLinux() ? Marshal.PtrToStringUTF8(getenv(Variable)) : null;

    [DllImport("libc", EntryPoint = "getenv")]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
