using System.Runtime.InteropServices;
using Google.Protobuf;
using Portal.Engine.Onnx.Protobuf;

namespace Portal.Engine.Tests.Inference;

/// <summary>
/// ONNX files of structures Portal's exporter never writes, built here from the protobuf classes alone, as another
/// tool would: other operators, other element types, other opsets, symbolic dimensions besides the batch.
/// </summary>
internal static class ExternalModels
{
    public static readonly float[] MatMulWeights = [0.5f, -1f, 2f, 1.5f, 0.25f, -0.75f, -2f, 1f, 0.5f, 0.1f, 0.2f, 0.3f]; // [4,3]
    public static readonly float[] MatMulBias = [0.1f, -0.2f, 0.3f];
    public static readonly float[] Embedding = [0f, 0.5f, 1f, 1.5f, 2f, 2.5f, 3f, 3.5f, 4f, 4.5f, 5f, 5.5f, 6f, 6.5f, 7f, 7.5f, 8f, 8.5f, 9f, 9.5f]; // [10,2]

    /// <summary>y[N,3] = x[N,4] · W + b, as MatMul and Add (no Gemm), batch dimension named "N", opset 13, IR 7.</summary>
    public static byte[] MatMulAdd()
    {
        var graph = new GraphProto { Name = "matmul_add" };
        graph.Input.Add(Value("x", 1, "N", 4));
        graph.Output.Add(Value("y", 1, "N", 3));
        graph.Initializer.Add(Floats("W", MatMulWeights, 4, 3));
        graph.Initializer.Add(Floats("b", MatMulBias, 3));
        graph.Node.Add(Node("MatMul", ["x", "W"], "xw"));
        graph.Node.Add(Node("Add", ["xw", "b"], "y"));
        return Model(graph, opset: 13, irVersion: 7);
    }

    /// <summary>The MatMul+Add model with its weights also listed as graph inputs, as older exporters wrote them (IR 3).</summary>
    public static byte[] MatMulAddWithInitializersAsInputs()
    {
        var graph = new GraphProto { Name = "matmul_add_ir3" };
        graph.Input.Add(Value("x", 1, "N", 4));
        graph.Input.Add(Value("W", 1, 4, 3));
        graph.Input.Add(Value("b", 1, 3));
        graph.Output.Add(Value("y", 1, "N", 3));
        graph.Initializer.Add(Floats("W", MatMulWeights, 4, 3));
        graph.Initializer.Add(Floats("b", MatMulBias, 3));
        graph.Node.Add(Node("MatMul", ["x", "W"], "xw"));
        graph.Node.Add(Node("Add", ["xw", "b"], "y"));
        return Model(graph, opset: 8, irVersion: 3);
    }

    /// <summary>probabilities[batch,5] = Softmax(x); label[batch] = ArgMax(x) as int64.</summary>
    public static byte[] SoftmaxWithLabel()
    {
        var graph = new GraphProto { Name = "softmax" };
        graph.Input.Add(Value("logits", 1, "batch", 5));
        graph.Output.Add(Value("probabilities", 1, "batch", 5));
        graph.Output.Add(Value("label", 7, "batch"));
        graph.Node.Add(Node("Softmax", ["logits"], "probabilities", IntAttribute("axis", -1)));
        graph.Node.Add(Node("ArgMax", ["logits"], "label", IntAttribute("axis", 1), IntAttribute("keepdims", 0)));
        return Model(graph, opset: 17, irVersion: 8);
    }

    /// <summary>vectors[batch,3,2] = Embedding[ids] with int64 ids[batch,3] into a [10,2] table.</summary>
    public static byte[] EmbeddingLookup()
    {
        var graph = new GraphProto { Name = "embedding" };
        graph.Input.Add(Value("ids", 7, "batch", 3));
        graph.Output.Add(Value("vectors", 1, "batch", 3, 2));
        graph.Initializer.Add(Floats("table", Embedding, 10, 2));
        graph.Node.Add(Node("Gather", ["table", "ids"], "vectors", IntAttribute("axis", 0)));
        return Model(graph, opset: 17, irVersion: 8);
    }

    /// <summary>scaled[batch,2,2] = float(image) / 255 with a uint8 image[batch,2,2].</summary>
    public static byte[] ByteImageScaling()
    {
        var graph = new GraphProto { Name = "uint8_scaling" };
        graph.Input.Add(Value("image", 2, "batch", 2, 2));
        graph.Output.Add(Value("scaled", 1, "batch", 2, 2));
        graph.Initializer.Add(Floats("divisor", [255f]));
        graph.Node.Add(Node("Cast", ["image"], "as_float", IntAttribute("to", 1)));
        graph.Node.Add(Node("Div", ["as_float", "divisor"], "scaled"));
        return Model(graph, opset: 17, irVersion: 8);
    }

    /// <summary>pooled[batch,4] = mean over "seq" of x[batch,seq,4]: a symbolic dimension that is not the batch.</summary>
    public static byte[] SequenceMean()
    {
        var graph = new GraphProto { Name = "sequence_mean" };
        graph.Input.Add(Value("x", 1, "batch", "seq", 4));
        graph.Output.Add(Value("pooled", 1, "batch", 4));
        graph.Node.Add(Node("ReduceMean", ["x"], "pooled", IntsAttribute("axes", 1), IntAttribute("keepdims", 0)));
        return Model(graph, opset: 17, irVersion: 8);
    }

    /// <summary>sum[batch,2] = a + b: two inputs sharing the symbolic batch.</summary>
    public static byte[] TwoInputSum()
    {
        var graph = new GraphProto { Name = "two_inputs" };
        graph.Input.Add(Value("a", 1, "batch", 2));
        graph.Input.Add(Value("b", 1, "batch", 2));
        graph.Output.Add(Value("sum", 1, "batch", 2));
        graph.Node.Add(Node("Add", ["a", "b"], "sum"));
        return Model(graph, opset: 17, irVersion: 8);
    }

    /// <summary>y[batch,2] = Identity(x[batch,2]) of one ONNX element type (its TensorProto.DataType number).</summary>
    public static byte[] Identity(int elementType)
    {
        var graph = new GraphProto { Name = $"identity_{elementType}" };
        graph.Input.Add(Value("x", elementType, "batch", 2));
        graph.Output.Add(Value("y", elementType, "batch", 2));
        graph.Node.Add(Node("Identity", ["x"], "y"));
        return Model(graph, opset: 17, irVersion: 8);
    }

    /// <summary>y[batch,2] = x / the maximum of the whole batch x[batch,2], of one ONNX element type: a row's answer depends on the other rows.</summary>
    public static byte[] WholeBatchMax(int elementType)
    {
        var graph = new GraphProto { Name = $"whole_batch_max_{elementType}" };
        graph.Input.Add(Value("x", elementType, "batch", 2));
        graph.Output.Add(Value("y", elementType, "batch", 2));
        graph.Node.Add(Node("ReduceMax", ["x"], "peak", IntAttribute("keepdims", 1)));
        graph.Node.Add(Node("Div", ["x", "peak"], "y"));
        return Model(graph, opset: 17, irVersion: 8);
    }

    /// <summary>y[n,batch] = x[batch,n] transposed: the output's first dimension is dynamic but not the batch.</summary>
    public static byte[] Transposed()
    {
        var graph = new GraphProto { Name = "transposed" };
        graph.Input.Add(Value("x", 11, "batch", "n"));
        graph.Output.Add(Value("y", 11, "n", "batch"));
        graph.Node.Add(Node("Transpose", ["x"], "y", IntsAttribute("perm", 1, 0)));
        return Model(graph, opset: 17, irVersion: 8);
    }

    /// <summary>A graph ONNX Runtime cannot load: an operator that does not exist in the default domain.</summary>
    public static byte[] UnknownOperator()
    {
        var graph = new GraphProto { Name = "unknown_op" };
        graph.Input.Add(Value("x", 1, "batch", 2));
        graph.Output.Add(Value("y", 1, "batch", 2));
        graph.Node.Add(Node("NoSuchOperator", ["x"], "y"));
        return Model(graph, opset: 17, irVersion: 8);
    }

    private static byte[] Model(GraphProto graph, int opset, int irVersion)
    {
        var model = new ModelProto { IrVersion = irVersion, ProducerName = "hand-written-test", ProducerVersion = "0.1", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model.ToByteArray();
    }

    private static ValueInfoProto Value(string name, int elementType, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d is string symbol
                ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) });
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } } };
    }

    private static TensorProto Floats(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = 1, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.AddRange(dims);
        return tensor;
    }

    private static NodeProto Node(string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{output}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto IntsAttribute(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }
}
