using System.Runtime.InteropServices;
using Google.Protobuf;
using Portal.Engine.Onnx.Protobuf;

namespace Portal.Engine.Onnx;

/// <summary>
/// Writes an ONNX graph node by node: inputs, outputs, initializers and nodes, each with a name unique in the
/// graph. The exporter uses it for float networks; quantisation reuses it for QDQ graphs.
/// </summary>
internal sealed class GraphBuilder
{
    public const int IrVersion = 8;
    public const int OpsetVersion = 17;

    /// <summary>ONNX Runtime's own operators (Attention, QAttention, …), run by ONNX Runtime only.</summary>
    public const string OnnxRuntimeDomain = "com.microsoft";
    public const int OnnxRuntimeDomainVersion = 1;

    private readonly GraphProto _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public GraphBuilder(string name)
    {
        _graph = new GraphProto { Name = name };
    }

    public GraphProto Graph => _graph;

    /// <summary>A name not yet used in the graph: <paramref name="wanted"/> itself, or with a numeric suffix.</summary>
    public string UniqueName(string wanted)
    {
        if (_names.Add(wanted)) return wanted;
        for (var i = 1; ; i++)
        {
            var candidate = $"{wanted}_{i}";
            if (_names.Add(candidate)) return candidate;
        }
    }

    public string AddInput(string name, OnnxElementType type, IReadOnlyList<OnnxDimension> dims)
    {
        var unique = Claim(name);
        _graph.Input.Add(ValueInfo(unique, type, dims));
        return unique;
    }

    /// <summary>Declares an existing value as a graph output.</summary>
    public void AddOutput(string name, OnnxElementType type, IReadOnlyList<OnnxDimension> dims) =>
        _graph.Output.Add(ValueInfo(name, type, dims));

    public string AddInitializer(string name, ReadOnlySpan<float> values, IReadOnlyList<long> dims) =>
        AddInitializer(name, OnnxElementType.Float32, MemoryMarshal.AsBytes(values), values.Length, dims);

    public string AddInitializer(string name, ReadOnlySpan<long> values, IReadOnlyList<long> dims) =>
        AddInitializer(name, OnnxElementType.Int64, MemoryMarshal.AsBytes(values), values.Length, dims);

    public string AddInitializer(string name, ReadOnlySpan<int> values, IReadOnlyList<long> dims) =>
        AddInitializer(name, OnnxElementType.Int32, MemoryMarshal.AsBytes(values), values.Length, dims);

    public string AddInitializer(string name, ReadOnlySpan<sbyte> values, IReadOnlyList<long> dims) =>
        AddInitializer(name, OnnxElementType.Int8, MemoryMarshal.AsBytes(values), values.Length, dims);

    public string AddInitializer(string name, ReadOnlySpan<byte> values, IReadOnlyList<long> dims) =>
        AddInitializer(name, OnnxElementType.UInt8, values, values.Length, dims);

    /// <summary>A rank-0 float constant.</summary>
    public string AddScalar(string name, float value) => AddInitializer(name, [value], []);

    /// <summary>Adds a node with one output and returns that output's name.</summary>
    public string AddNode(string opType, IReadOnlyList<string> inputs, string outputHint, params AttributeProto[] attributes) =>
        AddNodeWithOutputs(opType, inputs, [outputHint], attributes)[0];

    /// <summary>Adds a node of ONNX Runtime's <see cref="OnnxRuntimeDomain"/> with one output and returns that output's name.</summary>
    public string AddOnnxRuntimeNode(string opType, IReadOnlyList<string> inputs, string outputHint, params AttributeProto[] attributes)
    {
        var output = AddNode(opType, inputs, outputHint, attributes);
        _graph.Node[^1].Domain = OnnxRuntimeDomain;
        return output;
    }

    /// <summary>Adds a node with several outputs (a recurrent op's steps and final state) and returns their names in order.</summary>
    public string[] AddNodeWithOutputs(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputHints, params AttributeProto[] attributes)
    {
        var outputs = outputHints.Select(UniqueName).ToArray();
        var node = new NodeProto { OpType = opType, Name = UniqueName($"{opType}_{outputs[0]}") };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return outputs;
    }

    /// <summary>Renames the value a node produces (and every later use of it), e.g. to give the last node the graph's output name.</summary>
    public string RenameValue(string from, string to)
    {
        var unique = Claim(to);
        foreach (var node in _graph.Node)
        {
            for (var i = 0; i < node.Output.Count; i++)
                if (node.Output[i] == from) node.Output[i] = unique;
            for (var i = 0; i < node.Input.Count; i++)
                if (node.Input[i] == from) node.Input[i] = unique;
        }
        return unique;
    }

    public bool IsProducedByNode(string value) => _graph.Node.Any(n => n.Output.Contains(value));

    /// <summary>
    /// The model: IR 8, default-domain opset 17 (and ONNX Runtime's domain when a node uses it), with the given
    /// producer and metadata.
    /// </summary>
    public ModelProto ToModel(string producerName, string producerVersion, long modelVersion, string docString, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = producerName,
            ProducerVersion = producerVersion,
            ModelVersion = modelVersion,
            DocString = docString,
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        if (_graph.Node.Any(n => n.Domain == OnnxRuntimeDomain))
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = OnnxRuntimeDomain, Version = OnnxRuntimeDomainVersion });
        foreach (var (key, value) in metadata)
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return model;
    }

    public static AttributeProto Attribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Attribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Attribute(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Attribute(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static ValueInfoProto ValueInfo(string name, OnnxElementType type, IReadOnlyList<OnnxDimension> dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (d.Size is long size) dim.DimValue = size;
            else if (d.Symbol is string symbol) dim.DimParam = symbol;
            shape.Dim.Add(dim);
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private string AddInitializer(string name, OnnxElementType type, ReadOnlySpan<byte> littleEndian, int count, IReadOnlyList<long> dims)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; this machine is not.");
        var expected = dims.Aggregate(1L, (a, b) => a * b);
        if (expected != count)
            throw new ArgumentException($"Initializer '{name}' has {count} values but shape [{string.Join(',', dims)}] needs {expected}.");
        var unique = UniqueName(name);
        var tensor = new TensorProto { Name = unique, DataType = (int)type, RawData = ByteString.CopyFrom(littleEndian) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        return unique;
    }

    private string Claim(string name)
    {
        if (!_names.Add(name))
            throw new InvalidOperationException($"The graph already has a value named '{name}'.");
        return name;
    }
}
