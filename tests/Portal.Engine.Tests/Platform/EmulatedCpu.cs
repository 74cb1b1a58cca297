using System.Diagnostics;
using System.Runtime.InteropServices;
using Portal.Engine.Data;

namespace Portal.Engine.Tests.Platform;

/// <summary>
/// Runs an ONNX file in this test assembly started as a program under QEMU's user-mode emulation of another CPU
/// model (Debian's qemu-user, installed by scripts/setup.sh), so that ONNX Runtime picks that CPU's kernels
/// whatever machine runs the suite. QEMU's emulator implements AVX2 but not AVX-512, so the kernel paths it can
/// force are AVX2 and below.
/// </summary>
internal static class EmulatedCpu
{
    /// <summary>An AMD EPYC (Zen 2) model: AVX2 and FMA, no AVX-512, no VNNI.</summary>
    public const string Avx2WithoutVnni = "EPYC-Rome";

    private const string Qemu = "/usr/bin/qemu-x86_64";

    public static float[] Run(string cpuModel, byte[] onnx, Dataset data)
    {
        if (!File.Exists(Qemu))
            throw new InvalidOperationException($"{Qemu} is missing: scripts/setup.sh installs Debian's qemu-user, which these tests use to emulate other CPUs.");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : Environment.ProcessPath!;
        var assembly = typeof(EmulatedCpu).Assembly.Location;
        var folder = Directory.CreateTempSubdirectory("portal-emulated-cpu-").FullName;
        try
        {
            var model = Path.Combine(folder, "model.onnx");
            var input = Path.Combine(folder, "input.f32");
            var output = Path.Combine(folder, "output.f32");
            File.WriteAllBytes(model, onnx);
            File.WriteAllBytes(input, MemoryMarshal.AsBytes(data.Features).ToArray());
            var start = new ProcessStartInfo(Qemu, ["-cpu", cpuModel, dotnet, "exec", assembly, "run-onnx", model, input, data.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), output])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"The ONNX run under an emulated {cpuModel} did not end within 5 minutes.");
            }
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"The ONNX run under an emulated {cpuModel} exited {process.ExitCode}: {stdout.Result}{stderr.Result}");
            return MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(output)).ToArray();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
