using System.Diagnostics;

namespace Portal.Bench.Infer;

/// <summary>The reference checker: Debian's python3-onnx (onnx 1.12, IR ≤ 8, opset ≤ 17), with full shape inference.</summary>
internal static class OnnxChecker
{
    private const string Script = """
        import sys, onnx
        for path in sys.argv[1:]:
            model = onnx.load(path)
            onnx.checker.check_model(model, full_check=True)
            print(f"onnx.checker {onnx.__version__}: {path} ok (IR {model.ir_version}, opset {model.opset_import[0].version})")
        """;

    /// <summary>Checks every file; a file the checker refuses fails the benchmark with the checker's message.</summary>
    public static async Task<string> CheckAsync(IEnumerable<string> paths)
    {
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-c", Script, .. paths]) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start /usr/bin/python3.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"onnx.checker refused an exported file: {(await stderr).Trim()}");
        return (await stdout).TrimEnd();
    }
}
