using System.Runtime.Intrinsics.X86;

namespace Portal.Engine.Platform;

/// <summary>
/// The CPU this process runs on, as the kernels that matter see it: model, vendor, logical cores and the instruction
/// set flags that decide which matrix and int8 kernels MKL, oneDNN and ONNX Runtime pick. Read from
/// <c>/proc/cpuinfo</c> on Linux (the kernel's view, so features the OS does not enable are absent), else from the
/// .NET runtime's own checks.
/// </summary>
public sealed record CpuFeatures(string Model, string Vendor, int LogicalCores, IReadOnlySet<string> Flags)
{
    /// <summary>The flags benchmarks and reports name, in this order.</summary>
    public static readonly IReadOnlyList<string> ReportedFlags = ["avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8"];

    private static readonly Lazy<CpuFeatures> s_current = new(Read);

    public static CpuFeatures Current => s_current.Value;

    public bool IsAmd => Vendor == "AuthenticAMD";

    public bool Has(string flag) => Flags.Contains(flag);

    /// <summary>One line for logs, reports and benchmark headers: model, cores and each reported flag with + or −.</summary>
    public string Describe() =>
        $"{Model}, {LogicalCores} logical cores, {string.Join(' ', ReportedFlags.Select(f => (Has(f) ? "+" : "-") + f))}";

    /// <summary>The same as one token for a RESULT line: the model's words joined by '_', then the flags present.</summary>
    public string Token()
    {
        var model = string.Join('_', Model.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => new string([.. w.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.')]))
            .Where(w => w.Length > 0));
        var flags = ReportedFlags.Where(Has).ToArray();
        return $"{model}/{LogicalCores}c/{(flags.Length == 0 ? "none" : string.Join('+', flags))}";
    }

    /// <summary>Reads the first processor's entry of a <c>/proc/cpuinfo</c> text.</summary>
    public static CpuFeatures Parse(string cpuinfo, int logicalCores)
    {
        string? model = null, vendor = null, flags = null;
        foreach (var line in cpuinfo.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0) continue;
            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (key == "model name") model ??= value;
            else if (key == "vendor_id") vendor ??= value;
            else if (key == "flags") flags ??= value;
        }
        var set = new HashSet<string>((flags ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);
        return new CpuFeatures(model ?? "unknown CPU", vendor ?? "unknown", logicalCores, set);
    }

    private static CpuFeatures Read()
    {
        if (OperatingSystem.IsLinux())
        {
            try
            {
                return Parse(File.ReadAllText("/proc/cpuinfo"), Environment.ProcessorCount);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        var flags = new HashSet<string>(StringComparer.Ordinal);
        if (Avx2.IsSupported) flags.Add("avx2");
        if (Fma.IsSupported) flags.Add("fma");
        if (Avx512F.IsSupported) flags.Add("avx512f");
        if (Avx512BW.IsSupported) flags.Add("avx512bw");
        if (AvxVnni.IsSupported) flags.Add("avx_vnni");
        return new CpuFeatures("unknown CPU", "unknown", Environment.ProcessorCount, flags);
    }
}
