using System.Text;

namespace Portal.Engine.Platform;

/// <summary>Turns a failed libtorch load into a message that names the cause and the fix.</summary>
internal static class NativeLoadDiagnosis
{
    internal const string RequiredGlibcxx = "GLIBCXX_3.4.32";
    private const string Fix = "Run scripts/setup.sh: it rebuilds the outputs and marks that requirement weak in the copies it builds.";

    public static string Explain(string outputDirectory, Exception failure)
    {
        var native = Path.Combine(outputDirectory, "libLibTorchSharp.so");
        if (!File.Exists(native))
        {
            return $"libtorch could not be loaded: {native} is missing, so the build output lacks TorchSharp's native libraries " +
                   $"(the libtorch-cpu-linux-x64 package). {Fix} Underlying error: {failure.Message}";
        }
        var requirement = ElfVersionRequirements.Find(native, RequiredGlibcxx);
        if (requirement is { IsWeak: false } && !SystemLibstdcxxDefines(RequiredGlibcxx))
        {
            return $"libtorch could not be loaded: {native} requires {RequiredGlibcxx}, which this system's libstdc++ does not define " +
                   $"(Debian 12 stops at GLIBCXX_3.4.30), and the file was not patched. {Fix}";
        }
        return $"libtorch could not be loaded from {outputDirectory}: {failure.Message}. {Fix}";
    }

    internal static bool SystemLibstdcxxDefines(string version)
    {
        foreach (var dir in new[] { "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib" })
        {
            var path = Path.Combine(dir, "libstdc++.so.6");
            if (File.Exists(path))
                return File.ReadAllBytes(path).AsSpan().IndexOf(Encoding.ASCII.GetBytes(version + "\0")) >= 0;
        }
        return false;
    }
}
