using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Portal.Engine.Inference;

/// <summary>
/// Why ONNX Runtime's CUDA provider library did not load. The runtime's exception says only "Failed to load shared
/// library" (the library it could not find goes to its own log), so the provider library is loaded once more here,
/// from beside the loaded libonnxruntime.so where the runtime looks for it, to read the loader's answer.
/// </summary>
internal static partial class CudaProviderLoadError
{
    private const string ProviderLibrary = "libonnxruntime_providers_cuda.so";

    public static string Explain(Exception loadFailure)
    {
        var path = ProviderPath();
        if (path is null) return $"{loadFailure.Message} (libonnxruntime.so's folder could not be found to look further)";
        if (!File.Exists(path)) return $"{ProviderLibrary} is not beside libonnxruntime.so in {Path.GetDirectoryName(path)}";
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(path));
        }
        catch (DllNotFoundException e)
        {
            var missing = MissingLibrary().Match(e.Message);
            return missing.Success && missing.Groups[1].Value != ProviderLibrary
                ? $"{missing.Groups[1].Value} missing"
                : $"{loadFailure.Message}: {e.Message.Trim()}";
        }
        return loadFailure.Message;
    }

    /// <summary>Where the runtime looks for its provider libraries: the folder of the libonnxruntime.so this process loaded.</summary>
    private static string? ProviderPath()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return null;
        foreach (var line in File.ReadLines(maps))
        {
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0) continue;
            var file = line[slash..];
            if (Path.GetFileName(file) == "libonnxruntime.so")
                return Path.Combine(Path.GetDirectoryName(file)!, ProviderLibrary);
        }
        return null;
    }

    [GeneratedRegex(@"([^\s/:]+\.so(?:\.[0-9]+)*): cannot open shared object file")]
    private static partial Regex MissingLibrary();
}
