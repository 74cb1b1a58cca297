using System.Diagnostics;

namespace Portal.Server.Tests.Registry;

/// <summary>
/// ONNX files no code of ours wrote: each graph is built by ONNX's own Python helpers (Debian's python3-onnx, which
/// scripts/setup.sh installs) and checked by ONNX's checker before a test imports it.
/// </summary>
internal static class ForeignOnnx
{
    private const string Python = "/usr/bin/python3";

    private const string Prelude = """
        import sys
        import numpy as np
        import onnx
        from onnx import helper, numpy_helper, TensorProto as T
        def save(graph, opset=13):
            model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="onnx.helper")
            model.ir_version = 7
            onnx.checker.check_model(model, full_check=True)
            onnx.save(model, sys.argv[1])
        """;

    /// <summary>Inputs <c>image</c> FP32 [batch, 3] and <c>ids</c> INT64 [batch, 4]; outputs <c>scaled</c> FP32 [batch, 3] (image × 2) and <c>total</c> INT64 [batch] (the ids summed).</summary>
    public static byte[] TwoInputsTwoOutputs() => Build("""
        two = numpy_helper.from_array(np.array([2.0], dtype=np.float32), "two")
        axes = numpy_helper.from_array(np.array([1], dtype=np.int64), "axes")
        save(helper.make_graph(
            [helper.make_node("Mul", ["image", "two"], ["scaled"]), helper.make_node("ReduceSum", ["ids", "axes"], ["total"], keepdims=0)],
            "two-in-two-out",
            [helper.make_tensor_value_info("image", T.FLOAT, ["batch", 3]), helper.make_tensor_value_info("ids", T.INT64, ["batch", 4])],
            [helper.make_tensor_value_info("scaled", T.FLOAT, ["batch", 3]), helper.make_tensor_value_info("total", T.INT64, ["batch"])],
            [two, axes]))
        """);

    /// <summary>Input <c>image</c> FP32 [batch, 1, height, width]; output <c>mean</c> FP32 [batch, 1] (the global average). Graphs of other names are other bytes.</summary>
    public static byte[] DynamicSpatial(string graphName = "dynamic-spatial") => Build($$"""
        save(helper.make_graph(
            [helper.make_node("GlobalAveragePool", ["image"], ["pooled"]), helper.make_node("Flatten", ["pooled"], ["mean"], axis=1)],
            "{{graphName}}",
            [helper.make_tensor_value_info("image", T.FLOAT, ["batch", 1, "height", "width"])],
            [helper.make_tensor_value_info("mean", T.FLOAT, ["batch", 1])]))
        """);

    /// <summary>Inputs <c>x</c> FP32 [batch, 4] and the scalar <c>k</c> INT64 []; output <c>y</c> FP32 [batch, 4] (x × k).</summary>
    public static byte[] ScalarInt64() => Build("""
        save(helper.make_graph(
            [helper.make_node("Cast", ["k"], ["kf"], to=T.FLOAT), helper.make_node("Mul", ["x", "kf"], ["y"])],
            "scalar-int64",
            [helper.make_tensor_value_info("x", T.FLOAT, ["batch", 4]), helper.make_tensor_value_info("k", T.INT64, [])],
            [helper.make_tensor_value_info("y", T.FLOAT, ["batch", 4])]))
        """);

    /// <summary>
    /// Input <c>ids</c> INT64 [batch]; output <c>rows</c> FP32 [batch, 3], rows of a table of two: ids of 2 and more
    /// are out of its bounds, which ONNX Runtime refuses when it runs.
    /// </summary>
    public static byte[] TableOfTwo() => Build("""
        table = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), "table")
        save(helper.make_graph(
            [helper.make_node("Gather", ["table", "ids"], ["rows"], axis=0)],
            "table-of-two",
            [helper.make_tensor_value_info("ids", T.INT64, ["batch"])],
            [helper.make_tensor_value_info("rows", T.FLOAT, ["batch", 3])],
            [table]))
        """);

    /// <summary>Input <c>features</c> FP32 [batch, 3]; output <c>value</c> FP32 [batch, 1]: a linear regression, no classes.</summary>
    public static byte[] Regression() => Build("""
        w = numpy_helper.from_array(np.array([[1.0], [2.0], [3.0]], dtype=np.float32), "w")
        save(helper.make_graph(
            [helper.make_node("MatMul", ["features", "w"], ["value"])],
            "regression",
            [helper.make_tensor_value_info("features", T.FLOAT, ["batch", 3])],
            [helper.make_tensor_value_info("value", T.FLOAT, ["batch", 1])],
            [w]))
        """);

    private static byte[] Build(string graph)
    {
        if (!File.Exists(Python)) throw new InvalidOperationException($"{Python} is missing; these tests build their ONNX files with python3-onnx (scripts/setup.sh installs it).");
        var path = Path.Combine(Path.GetTempPath(), $"foreign-{Guid.NewGuid():N}.onnx");
        try
        {
            var script = Prelude + "\n" + graph;
            using var python = Process.Start(new ProcessStartInfo(Python, ["-c", script, path]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            var errors = python.StandardError.ReadToEnd();
            python.WaitForExit();
            if (python.ExitCode != 0) throw new InvalidOperationException($"python3-onnx could not build the graph (scripts/setup.sh installs it): {errors}");
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
