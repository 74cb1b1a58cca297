using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Serving;

/// <summary>The protocol tests' ONNX files written by another tool (<see cref="OnnxHelperFiles"/>).</summary>
internal static class ProtocolModels
{
    /// <summary>The protocol's datatypes and ONNX's names for them.</summary>
    public static readonly IReadOnlyDictionary<string, string> OnnxTypes = new Dictionary<string, string>
    {
        ["BOOL"] = "BOOL",
        ["UINT8"] = "UINT8",
        ["UINT16"] = "UINT16",
        ["UINT32"] = "UINT32",
        ["UINT64"] = "UINT64",
        ["INT8"] = "INT8",
        ["INT16"] = "INT16",
        ["INT32"] = "INT32",
        ["INT64"] = "INT64",
        ["FP16"] = "FLOAT16",
        ["FP32"] = "FLOAT",
        ["FP64"] = "DOUBLE",
        ["BF16"] = "BFLOAT16",
        ["BYTES"] = "STRING",
    };

    /// <summary>y = Identity(x), both of <paramref name="datatype"/> and shape [batch, 2].</summary>
    public static byte[] Identity(string datatype) => Build($"identity-{datatype}", $"""
        T = TensorProto.{OnnxTypes[datatype]}
        graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "identity",
            [helper.make_tensor_value_info("x", T, ["batch", 2])], [helper.make_tensor_value_info("y", T, ["batch", 2])])
        """);

    /// <summary>
    /// Two inputs of different datatypes and two outputs: features FP32 [batch, 3] and counts INT64 [batch];
    /// shifted FP32 [batch, 3] = features + counts (per row), doubled INT64 [batch] = counts · 2.
    /// </summary>
    public static byte[] TwoInTwoOut() => Build("two-in-two-out", """
        nodes = [
            helper.make_node("Cast", ["counts"], ["counts_float"], to=TensorProto.FLOAT),
            helper.make_node("Unsqueeze", ["counts_float", "axis1"], ["counts_column"]),
            helper.make_node("Add", ["features", "counts_column"], ["shifted"]),
            helper.make_node("Mul", ["counts", "two"], ["doubled"]),
        ]
        graph = helper.make_graph(nodes, "two_in_two_out",
            [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", 3]), helper.make_tensor_value_info("counts", TensorProto.INT64, ["batch"])],
            [helper.make_tensor_value_info("shifted", TensorProto.FLOAT, ["batch", 3]), helper.make_tensor_value_info("doubled", TensorProto.INT64, ["batch"])],
            [helper.make_tensor("axis1", TensorProto.INT64, [1], [1]), helper.make_tensor("two", TensorProto.INT64, [], [2])])
        """);

    /// <summary>tripled INT64 [] = k · 3 for a scalar INT64 k.</summary>
    public static byte[] ScalarInt64() => Build("scalar-int64", """
        graph = helper.make_graph([helper.make_node("Mul", ["k", "three"], ["tripled"])], "scalar",
            [helper.make_tensor_value_info("k", TensorProto.INT64, [])], [helper.make_tensor_value_info("tripled", TensorProto.INT64, [])],
            [helper.make_tensor("three", TensorProto.INT64, [], [3])])
        """);

    /// <summary>
    /// y = Identity(x), FP32, with no shape declared for either, so any rank may come. onnx.checker wants a shape on
    /// graph inputs and outputs, so it is taken off after the check; ONNX Runtime loads such files.
    /// </summary>
    public static byte[] NoShape() => OnnxHelperFiles.Build("no-shape", """
        graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "no_shape",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
        """, """
        for value in list(model.graph.input) + list(model.graph.output):
            value.type.tensor_type.ClearField("shape")
        """);

    /// <summary>mean FP32 [batch] = the mean of a UINT8 image [batch, 1, height, width] of any height and width.</summary>
    public static byte[] DynamicImage() => Build("dynamic-image", """
        nodes = [
            helper.make_node("Cast", ["image"], ["pixels"], to=TensorProto.FLOAT),
            helper.make_node("ReduceMean", ["pixels"], ["mean"], axes=[1, 2, 3], keepdims=0),
        ]
        graph = helper.make_graph(nodes, "dynamic_image",
            [helper.make_tensor_value_info("image", TensorProto.UINT8, ["batch", 1, "height", "width"])],
            [helper.make_tensor_value_info("mean", TensorProto.FLOAT, ["batch"])])
        """);

    /// <summary>One FP32 input [batch, 4] and two outputs: y = x (FP32 [batch, 4]) and label = argmax(x) (INT64 [batch]).</summary>
    public static byte[] FloatWithLabel() => Build("float-with-label", """
        nodes = [helper.make_node("Identity", ["x"], ["y"]), helper.make_node("ArgMax", ["x"], ["label"], axis=1, keepdims=0)]
        graph = helper.make_graph(nodes, "float_with_label",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4]), helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"])])
        """);

    /// <summary>One FP32 input [batch, 2] and two outputs: y = log(x) (FP32 [batch, 2], NaN for a negative x) and label = argmax(x) (INT64 [batch]).</summary>
    public static byte[] LogWithLabel() => Build("log-with-label", """
        nodes = [helper.make_node("Log", ["x"], ["y"]), helper.make_node("ArgMax", ["x"], ["label"], axis=1, keepdims=0)]
        graph = helper.make_graph(nodes, "log_with_label",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 2])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2]), helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"])])
        """);

    /// <summary>
    /// Token ids INT64 [batch, sequence] to their mean FP32 [batch, 1], with no spec and no mask: a padded row would
    /// answer differently, so rows of different lengths must never be merged.
    /// </summary>
    public static byte[] TokenMean() => Build("token-mean", """
        nodes = [
            helper.make_node("Cast", ["ids"], ["values"], to=TensorProto.FLOAT),
            helper.make_node("ReduceMean", ["values"], ["mean"], axes=[1], keepdims=1),
        ]
        graph = helper.make_graph(nodes, "token_mean",
            [helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", "sequence"])],
            [helper.make_tensor_value_info("mean", TensorProto.FLOAT, ["batch", 1])])
        """);

    /// <summary>scores FP64 [batch, 10] = x FP64 [batch, 784] · W + b, W and b seeded: the fashion MLP's first layer in double precision.</summary>
    public static byte[] Fp64Projection() => Build("fp64-projection", """
        rng = np.random.default_rng(26)
        w = numpy_helper.from_array(rng.standard_normal((784, 10)) / 28, "w")
        b = numpy_helper.from_array(rng.standard_normal(10), "b")
        nodes = [helper.make_node("MatMul", ["x", "w"], ["xw"]), helper.make_node("Add", ["xw", "b"], ["scores"])]
        graph = helper.make_graph(nodes, "fp64_projection",
            [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["batch", 784])],
            [helper.make_tensor_value_info("scores", TensorProto.DOUBLE, ["batch", 10])], [w, b])
        """);

    /// <summary>y FP64 [batch, 4] = x / the maximum of the whole batch x FP64 [batch, 4]: a row's answer depends on the other rows.</summary>
    public static byte[] Fp64WholeBatchMax() => Build("fp64-whole-batch-max", """
        graph = helper.make_graph(
            [helper.make_node("ReduceMax", ["x"], ["peak"], keepdims=1), helper.make_node("Div", ["x", "peak"], ["y"])],
            "fp64_whole_batch_max",
            [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["batch", 4])],
            [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["batch", 4])])
        """);

    /// <summary>rows FP32 [batch, 2] = the rows of a 4-row table at ids INT64 [batch]: ids past 3 fail the run.</summary>
    public static byte[] TableLookup() => Build("table-lookup", """
        table = numpy_helper.from_array(np.arange(8, dtype=np.float32).reshape(4, 2), "table")
        graph = helper.make_graph([helper.make_node("Gather", ["table", "ids"], ["rows"], axis=0)], "table_lookup",
            [helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch"])],
            [helper.make_tensor_value_info("rows", TensorProto.FLOAT, ["batch", 2])], [table])
        """);

    private static byte[] Build(string key, string graph) => OnnxHelperFiles.Build(key, graph);
}
