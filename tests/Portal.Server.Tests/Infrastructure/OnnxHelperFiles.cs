using System.Collections.Concurrent;
using System.Diagnostics;

namespace Portal.Server.Tests.Infrastructure;

/// <summary>
/// ONNX files no code of ours wrote: a script that sets <c>graph</c> with ONNX's own Python helpers (Debian's
/// python3-onnx, which scripts/setup.sh installs; <c>np</c>, <c>helper</c>, <c>numpy_helper</c>, <c>TensorProto</c>
/// and its alias <c>T</c> in scope), saved at opset 13 after <c>onnx.checker</c> passes it. A script for after the check
/// may then edit <c>model</c>, for what ONNX Runtime loads but the checker refuses (a tensor with no declared shape).
/// Each key is built once per test run, so the same key always gives the same bytes.
/// </summary>
public static class OnnxHelperFiles
{
    private const string Python = "/usr/bin/python3";

    private const string Prelude = """
        import sys
        import numpy as np
        import onnx
        from onnx import helper, numpy_helper, TensorProto
        T = TensorProto
        """;

    private const string Check = """
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="onnx.helper")
        model.ir_version = 7
        onnx.checker.check_model(model, full_check=True)
        """;

    private const string Save = "onnx.save(model, sys.argv[1])";

    private static readonly ConcurrentDictionary<string, Lazy<byte[]>> s_built = new();

    public static byte[] Build(string key, string graphScript, string afterCheck = "") =>
        s_built.GetOrAdd(key, _ => new Lazy<byte[]>(() => Run(graphScript, afterCheck))).Value;

    private static byte[] Run(string graphScript, string afterCheck)
    {
        if (!File.Exists(Python)) throw new InvalidOperationException($"{Python} is missing; these tests build their ONNX files with python3-onnx (scripts/setup.sh installs it).");
        var path = Path.Combine(Path.GetTempPath(), $"onnx-helper-{Guid.NewGuid():N}.onnx");
        try
        {
            var script = string.Join('\n', Prelude, graphScript, Check, afterCheck, Save);
            using var python = Process.Start(new ProcessStartInfo(Python, ["-c", script, path]) { RedirectStandardError = true, RedirectStandardOutput = true })
                ?? throw new InvalidOperationException($"{Python} did not start; these tests build their ONNX files with python3-onnx.");
            var output = python.StandardOutput.ReadToEndAsync();
            var errors = python.StandardError.ReadToEnd();
            python.WaitForExit();
            _ = output.Result;
            if (python.ExitCode != 0) throw new InvalidOperationException($"python3-onnx could not build the graph (exit {python.ExitCode}; scripts/setup.sh installs it): {errors}");
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
