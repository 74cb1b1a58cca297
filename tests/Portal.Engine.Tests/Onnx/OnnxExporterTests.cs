using System.Text.Json;
using Portal.Engine.Data;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Onnx.Protobuf;
using Portal.Engine.Weights;

namespace Portal.Engine.Tests.Onnx;

public sealed class OnnxExporterTests
{
    private static readonly string[] s_labels = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    [Fact]
    public void Exported_model_is_ir8_opset17_with_a_dynamic_batch_dimension()
    {
        var spec = ReadySpecs.FashionCnn;
        var info = OnnxInspector.Read(OnnxExporter.Export(spec, TorchReference.RandomWeights(spec, 1)));

        Assert.Equal(8, info.IrVersion);
        Assert.Equal(17, info.Opset);
        var input = Assert.Single(info.Inputs);
        Assert.Equal("input", input.Name);
        Assert.Equal(OnnxElementType.Float32, input.ElementType);
        Assert.Equal("[batch,1,28,28]", input.ShapeText);
        var output = Assert.Single(info.Outputs);
        Assert.Equal("output", output.Name);
        Assert.Equal("[batch,10]", output.ShapeText);
    }

    [Fact]
    public void Batch_norm_and_dropout_export_in_inference_form()
    {
        var spec = ReadySpecs.FashionCnn;
        var info = OnnxInspector.Read(OnnxExporter.Export(spec, TorchReference.RandomWeights(spec, 1)));

        Assert.Contains("BatchNormalization", info.OperatorTypes);
        Assert.DoesNotContain("Dropout", info.OperatorTypes);
        var model = ModelProto.Parser.ParseFrom(OnnxExporter.Export(spec, TorchReference.RandomWeights(spec, 1)));
        Assert.All(model.Graph.Node.Where(n => n.OpType == "BatchNormalization"), n =>
        {
            Assert.Equal(5, n.Input.Count); // X, scale, B, running mean, running var
            Assert.DoesNotContain(n.Attribute, a => a.Name == "training_mode" && a.I != 0);
            Assert.Single(n.Output);
        });
    }

    [Fact]
    public void Metadata_carries_labels_standardisation_lineage_and_spec()
    {
        var spec = ReadySpecs.FashionMlp;
        var standardization = TorchReference.Standardization(spec, StandardizationMode.PerFeature, 2);
        var bytes = OnnxExporter.Export(spec, TorchReference.RandomWeights(spec, 1), new OnnxExportOptions
        {
            Standardization = standardization,
            ClassLabels = s_labels,
            LineageId = "fashion-mlp/v3",
        });
        var info = OnnxInspector.Read(bytes);

        Assert.Equal(s_labels, info.ClassLabels);
        Assert.Equal("fashion-mlp/v3", info.LineageId);
        Assert.Equal(StandardizationPlacements.FoldedIntoFirstLayer, info.Metadata[OnnxMetadataKeys.StandardizationPlacement]);
        var recorded = JsonSerializer.Deserialize<FeatureStandardization>(info.Metadata[OnnxMetadataKeys.Standardization], new JsonSerializerOptions(JsonSerializerDefaults.Web))!;
        Assert.Equal(standardization.Mean, recorded.Mean);
        Assert.Equal(standardization.Std, recorded.Std);
        Assert.Equal(spec, ModelSpec.FromJson(info.Metadata[OnnxMetadataKeys.Spec]));
    }

    [Fact]
    public void Standardisation_before_a_linear_first_layer_is_folded_into_it()
    {
        var spec = ReadySpecs.FashionMlp;
        var standardization = TorchReference.Standardization(spec, StandardizationMode.PerFeature, 2);
        var weights = TorchReference.RandomWeights(spec, 1);
        var folded = OnnxInspector.Read(OnnxExporter.Export(spec, weights, new OnnxExportOptions { Standardization = standardization }));
        Assert.Equal(["Gemm", "Relu"], folded.OperatorTypes);
        Assert.Equal(5, folded.NodeCount);

        var firstNodes = OnnxInspector.Read(OnnxExporter.Export(spec, weights, new OnnxExportOptions { Standardization = standardization, FoldStandardization = false }));
        Assert.Equal(["Div", "Gemm", "Relu", "Sub"], firstNodes.OperatorTypes);
        Assert.Equal(StandardizationPlacements.FirstNodes, firstNodes.Metadata[OnnxMetadataKeys.StandardizationPlacement]);
    }

    [Fact]
    public void Standardisation_before_a_padded_convolution_stays_as_the_first_nodes()
    {
        // Zero padding of standardised values is not zero padding of raw ones, so a conv cannot absorb it.
        var spec = ReadySpecs.FashionCnn;
        var standardization = TorchReference.Standardization(spec, StandardizationMode.PerChannel, 2);
        var model = ModelProto.Parser.ParseFrom(OnnxExporter.Export(spec, TorchReference.RandomWeights(spec, 1), new OnnxExportOptions { Standardization = standardization }));
        Assert.Equal(["Sub", "Div", "Conv"], model.Graph.Node.Take(3).Select(n => n.OpType));
        Assert.Equal("input", model.Graph.Node[0].Input[0]);
        Assert.Equal(StandardizationPlacements.FirstNodes, model.MetadataProps.Single(p => p.Key == OnnxMetadataKeys.StandardizationPlacement).Value);
    }

    [Fact]
    public void Without_standardisation_the_metadata_says_none_and_the_graph_has_no_Sub()
    {
        var spec = ReadySpecs.FashionMlp;
        var info = OnnxInspector.Read(OnnxExporter.Export(spec, TorchReference.RandomWeights(spec, 1)));
        Assert.Equal(StandardizationPlacements.None, info.Metadata[OnnxMetadataKeys.StandardizationPlacement]);
        Assert.False(info.Metadata.ContainsKey(OnnxMetadataKeys.Standardization));
        Assert.DoesNotContain("Sub", info.OperatorTypes);
    }

    [Fact]
    public void The_same_file_runs_at_any_batch_size()
    {
        var spec = ReadySpecs.FashionMlp;
        var weights = TorchReference.RandomWeights(spec, 4);
        var bytes = OnnxExporter.Export(spec, weights);
        foreach (var batch in new[] { 1, 7, 64 })
        {
            var input = TorchReference.RandomFeatures(784 * batch, batch, -1f, 1f);
            var output = OrtReference.Run(bytes, input, [batch, 784]);
            Assert.Equal(10 * batch, output.Length);
            Assert.True(TorchReference.MaxAbsDifference(output, TorchReference.Forward(spec, weights, input, batch)) <= 1e-4f);
        }
    }

    [Fact]
    public void Missing_weight_names_the_layer_and_tensor()
    {
        var spec = ReadySpecs.FashionMlp;
        var weights = TorchReference.RandomWeights(spec, 1);
        var partial = new ModelWeights(weights.Tensors.Where(t => t.Name != "2.bias"));
        var e = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(spec, partial));
        Assert.Contains("layers[2] (linear) needs tensor '2.bias' of shape [128]", e.Message);
    }

    [Fact]
    public void Weight_of_the_wrong_shape_names_both_shapes()
    {
        var spec = new ModelSpec("tiny", [4], [new LinearLayer(3)]);
        var weights = new ModelWeights([new NamedTensor("0.weight", [4, 3], new float[12]), new NamedTensor("0.bias", [3], new float[3])]);
        var e = Assert.Throws<ArgumentException>(() => OnnxExporter.Export(spec, weights));
        Assert.Contains("tensor '0.weight' has shape [4,3] but the layer needs [3,4]", e.Message);
    }

    [Fact]
    public void Class_labels_must_match_the_output_width()
    {
        var spec = ReadySpecs.FashionMlp;
        var e = Assert.Throws<ArgumentException>(() =>
            OnnxExporter.Export(spec, TorchReference.RandomWeights(spec, 1), new OnnxExportOptions { ClassLabels = ["a", "b", "c"] }));
        Assert.Contains("3 class labels for a model whose output is [10]", e.Message);
    }

    [Fact]
    public void Standardisation_fitted_on_other_samples_is_refused()
    {
        var spec = ReadySpecs.FashionMlp;
        var other = new FeatureStandardization(StandardizationMode.PerFeature, [10], new float[10], Enumerable.Repeat(1f, 10).ToArray());
        var e = Assert.Throws<ArgumentException>(() =>
            OnnxExporter.Export(spec, TorchReference.RandomWeights(spec, 1), new OnnxExportOptions { Standardization = other }));
        Assert.Contains("fitted on samples [10] (10 features) but the model takes [784] (784 features)", e.Message);
    }

    [Fact]
    public void Statistics_of_the_wrong_size_for_their_mode_are_refused()
    {
        var spec = ReadySpecs.FashionCnn;
        var weights = TorchReference.RandomWeights(spec, 1);
        var perChannelOfFlat = new FeatureStandardization(StandardizationMode.PerChannel, [784], [0f], [1f]);
        Assert.Contains("Per-channel standardisation needs [C,H,W] samples, not [784]",
            Assert.Throws<ArgumentException>(() => OnnxExporter.Export(spec, weights, new OnnxExportOptions { Standardization = perChannelOfFlat })).Message);
        var twoChannels = new FeatureStandardization(StandardizationMode.PerChannel, [1, 28, 28], [0f, 1f], [1f, 1f]);
        Assert.Contains("needs 1 means and deviations, not 2 and 2",
            Assert.Throws<ArgumentException>(() => OnnxExporter.Export(spec, weights, new OnnxExportOptions { Standardization = twoChannels })).Message);
        var zeroStd = new FeatureStandardization(StandardizationMode.PerChannel, [1, 28, 28], [0f], [0f]);
        Assert.Contains("std must be positive",
            Assert.Throws<ArgumentException>(() => OnnxExporter.Export(spec, weights, new OnnxExportOptions { Standardization = zeroStd })).Message);
    }

    [Fact]
    public void Graph_builder_keeps_value_names_unique()
    {
        var graph = new GraphBuilder("g");
        var a = graph.AddScalar("c", 1f);
        var b = graph.AddScalar("c", 2f);
        var n1 = graph.AddNode("Add", [a, b], "sum");
        var n2 = graph.AddNode("Add", [n1, b], "sum");
        Assert.Equal(["c", "c_1", "sum", "sum_1"], [a, b, n1, n2]);
        Assert.Throws<InvalidOperationException>(() => graph.AddInput("sum", OnnxElementType.Float32, []));
    }
}
