using System.Runtime.InteropServices;
using System.Text.Json;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Tests.Training;

namespace Portal.Server.Tests.Serving;

/// <summary>
/// The real server's build output, which carries ONNX Runtime's GPU package (PortalOnnxRuntimeNative=gpu), unlike these
/// tests' own output: what it serves on follows from the CUDA libraries the host has, with no rebuild.
/// </summary>
public sealed class ServingDeviceTests : IDisposable
{
    private const string Password = "serving-device-admin-password";
    private readonly TestStorage _storage = TestStorage.Sqlite();

    public void Dispose() => _storage.Dispose();

    [Fact]
    public async Task The_gpu_build_serves_on_cpu_where_cuda_13_is_missing_and_names_the_missing_library()
    {
        await using var server = await ServerProcess.Start(_storage.DataDirectory, Password);
        var provider = JsonDocument.Parse(await server.Client.GetStringAsync("/v2")).RootElement.GetProperty("execution_provider");
        var device = provider.GetProperty("device").GetString();
        var reason = provider.GetProperty("reason").GetString();

        if (NativeLibrary.TryLoad("libcublasLt.so.13", out var cublas))
        {
            // A host with CUDA 13: not these build machines, so this branch has not run here.
            NativeLibrary.Free(cublas);
            Assert.True(device == "cuda" || reason!.StartsWith("CUDA provider", StringComparison.Ordinal), $"{device}: {reason}");
            return;
        }
        Assert.Equal("cpu", device);
        Assert.Equal("CUDA provider not loaded: libcublasLt.so.13 missing", reason);
    }
}
