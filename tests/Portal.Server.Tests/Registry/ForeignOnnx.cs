using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Registry;

/// <summary>The import tests' ONNX files no code of ours wrote (<see cref="OnnxHelperFiles"/>).</summary>
internal static class ForeignOnnx
{
    /// <summary>Inputs <c>image</c> FP32 [batch, 3] and <c>ids</c> INT64 [batch, 4]; outputs <c>scaled</c> FP32 [batch, 3] (image × 2) and <c>total</c> INT64 [batch] (the ids summed).</summary>
    public static byte[] TwoInputsTwoOutputs() => Build("foreign-two-in-two-out", """
        two = numpy_helper.from_array(np.array([2.0], dtype=np.float32), "two")
        axes = numpy_helper.from_array(np.array([1], dtype=np.int64), "axes")
        graph = helper.make_graph(
            [helper.make_node("Mul", ["image", "two"], ["scaled"]), helper.make_node("ReduceSum", ["ids", "axes"], ["total"], keepdims=0)],
            "two-in-two-out",
            [helper.make_tensor_value_info("image", T.FLOAT, ["batch", 3]), helper.make_tensor_value_info("ids", T.INT64, ["batch", 4])],
            [helper.make_tensor_value_info("scaled", T.FLOAT, ["batch", 3]), helper.make_tensor_value_info("total", T.INT64, ["batch"])],
            [two, axes])
        """);

    /// <summary>Input <c>image</c> FP32 [batch, 1, height, width]; output <c>mean</c> FP32 [batch, 1] (the global average). Graphs of other names are other bytes.</summary>
    public static byte[] DynamicSpatial(string graphName = "dynamic-spatial") => Build($"foreign-{graphName}", $$"""
        graph = helper.make_graph(
            [helper.make_node("GlobalAveragePool", ["image"], ["pooled"]), helper.make_node("Flatten", ["pooled"], ["mean"], axis=1)],
            "{{graphName}}",
            [helper.make_tensor_value_info("image", T.FLOAT, ["batch", 1, "height", "width"])],
            [helper.make_tensor_value_info("mean", T.FLOAT, ["batch", 1])])
        """);

    /// <summary>Inputs <c>x</c> FP32 [batch, 4] and the scalar <c>k</c> INT64 []; output <c>y</c> FP32 [batch, 4] (x × k).</summary>
    public static byte[] ScalarInt64() => Build("foreign-scalar-int64", """
        graph = helper.make_graph(
            [helper.make_node("Cast", ["k"], ["kf"], to=T.FLOAT), helper.make_node("Mul", ["x", "kf"], ["y"])],
            "scalar-int64",
            [helper.make_tensor_value_info("x", T.FLOAT, ["batch", 4]), helper.make_tensor_value_info("k", T.INT64, [])],
            [helper.make_tensor_value_info("y", T.FLOAT, ["batch", 4])])
        """);

    /// <summary>
    /// Input <c>ids</c> INT64 [batch]; output <c>rows</c> FP32 [batch, 3], rows of a table of two: ids of 2 and more
    /// are out of its bounds, which ONNX Runtime refuses when it runs.
    /// </summary>
    public static byte[] TableOfTwo() => Build("foreign-table-of-two", """
        table = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), "table")
        graph = helper.make_graph(
            [helper.make_node("Gather", ["table", "ids"], ["rows"], axis=0)],
            "table-of-two",
            [helper.make_tensor_value_info("ids", T.INT64, ["batch"])],
            [helper.make_tensor_value_info("rows", T.FLOAT, ["batch", 3])],
            [table])
        """);

    /// <summary>Input <c>features</c> FP32 [batch, 3]; output <c>value</c> FP32 [batch, 1]: a linear regression, no classes.</summary>
    public static byte[] Regression() => Build("foreign-regression", """
        w = numpy_helper.from_array(np.array([[1.0], [2.0], [3.0]], dtype=np.float32), "w")
        graph = helper.make_graph(
            [helper.make_node("MatMul", ["features", "w"], ["value"])],
            "regression",
            [helper.make_tensor_value_info("features", T.FLOAT, ["batch", 3])],
            [helper.make_tensor_value_info("value", T.FLOAT, ["batch", 1])],
            [w])
        """);

    /// <summary>Input <c>x</c> FP32 [batch, 4]; output <c>y</c> FP32 [batch, 4]: x divided by its maximum over the whole batch, so a row's answer depends on the other rows.</summary>
    public static byte[] WholeBatchMax() => Build("foreign-whole-batch-max", """
        graph = helper.make_graph(
            [helper.make_node("ReduceMax", ["x"], ["peak"], keepdims=1), helper.make_node("Div", ["x", "peak"], ["y"])],
            "whole-batch-max",
            [helper.make_tensor_value_info("x", T.FLOAT, ["batch", 4])],
            [helper.make_tensor_value_info("y", T.FLOAT, ["batch", 4])])
        """);

    /// <summary>Input <c>x</c> FP32 [batch, 4]; output <c>y</c> FP32 [batch, 4]: x divided by its own row's maximum (per-sample).</summary>
    public static byte[] RowMax() => Build("foreign-row-max", """
        graph = helper.make_graph(
            [helper.make_node("ReduceMax", ["x"], ["peak"], axes=[1], keepdims=1), helper.make_node("Div", ["x", "peak"], ["y"])],
            "row-max",
            [helper.make_tensor_value_info("x", T.FLOAT, ["batch", 4])],
            [helper.make_tensor_value_info("y", T.FLOAT, ["batch", 4])])
        """);

    private static byte[] Build(string key, string graph) => OnnxHelperFiles.Build(key, graph);
}
