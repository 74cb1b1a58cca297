using Portal.Engine.Inference;
using Portal.Engine.Onnx;

namespace Portal.Engine.Tests.Inference;

/// <summary>Files the project did not write: inspected and run through the same API.</summary>
public sealed class ExternalModelImportTests
{
    [Fact]
    public void MatMul_and_Add_model_is_inspected_and_runs()
    {
        var bytes = ExternalModels.MatMulAdd();
        var info = OnnxInspector.Read(bytes);
        Assert.Equal(7, info.IrVersion);
        Assert.Equal(13, info.Opset);
        Assert.Equal("hand-written-test", info.ProducerName);
        Assert.Equal(["Add", "MatMul"], info.OperatorTypes);
        Assert.Equal("'x' (float32 [N,4])", Assert.Single(info.Inputs).ToString());
        Assert.Null(info.ClassLabels);

        using var model = InferenceModel.Load(bytes);
        Assert.Equal("[N,4]", model.Inputs[0].ShapeText);
        Assert.Equal("[N,3]", model.Outputs[0].ShapeText);
        float[] x = [1f, 2f, 3f, 4f, -1f, 0f, 0.5f, 2f];
        var y = model.Run(x, batch: 2);
        AssertClose(Expected(x, 2), y);
    }

    [Fact]
    public void MatMul_model_runs_through_the_general_path_too()
    {
        using var model = InferenceModel.Load(ExternalModels.MatMulAdd());
        float[] x = [0.5f, -2f, 1f, 3f];
        var outputs = model.Run(new Dictionary<string, InferenceTensor> { ["x"] = InferenceTensor.Create(x, 1, 4) });
        var y = Assert.Single(outputs);
        Assert.Equal("y", y.Key);
        Assert.Equal([1L, 3L], y.Value.Shape);
        AssertClose(Expected(x, 1), y.Value.Values<float>().ToArray());
    }

    [Fact]
    public void Weights_listed_as_graph_inputs_are_not_inputs_a_caller_sends()
    {
        var bytes = ExternalModels.MatMulAddWithInitializersAsInputs();
        Assert.Equal("x", Assert.Single(OnnxInspector.Read(bytes).Inputs).Name);
        using var model = InferenceModel.Load(bytes);
        Assert.Equal("x", Assert.Single(model.Inputs).Name);
        float[] x = [1f, 0f, 0f, 0f];
        AssertClose(Expected(x, 1), model.Run(x, 1));
    }

    [Fact]
    public void Softmax_output_and_int64_label_output_come_back_typed()
    {
        using var model = InferenceModel.Load(ExternalModels.SoftmaxWithLabel());
        Assert.Equal(OnnxElementType.Int64, model.Outputs[1].ElementType);
        Assert.Equal("[batch]", model.Outputs[1].ShapeText);
        float[] logits = [1f, 2f, 3f, 4f, 5f, 5f, -1f, 0f, 2f, 1f];
        var outputs = model.Run(new Dictionary<string, InferenceTensor> { ["logits"] = InferenceTensor.Create(logits, 2, 5) });

        var probabilities = outputs["probabilities"].Values<float>();
        for (var row = 0; row < 2; row++)
        {
            var slice = logits.AsSpan(row * 5, 5);
            var max = slice.ToArray().Max();
            var sum = slice.ToArray().Sum(v => MathF.Exp(v - max));
            for (var j = 0; j < 5; j++)
                Assert.Equal(MathF.Exp(slice[j] - max) / sum, probabilities[row * 5 + j], 5);
        }
        Assert.Equal([4L, 0L], outputs["label"].Values<long>().ToArray());
        Assert.Throws<InvalidOperationException>(() => outputs["label"].Values<float>());
    }

    [Fact]
    public void Int64_input_indexes_an_embedding_table()
    {
        using var model = InferenceModel.Load(ExternalModels.EmbeddingLookup());
        Assert.Equal(OnnxElementType.Int64, model.Inputs[0].ElementType);
        Assert.Null(model.BatchedFloat);
        long[] ids = [0, 9, 4, 1, 1, 2];
        var outputs = model.Run(new Dictionary<string, InferenceTensor> { ["ids"] = InferenceTensor.Create(ids, 2, 3) });
        var vectors = outputs["vectors"];
        Assert.Equal([2L, 3L, 2L], vectors.Shape);
        var expected = ids.SelectMany(i => new[] { ExternalModels.Embedding[i * 2], ExternalModels.Embedding[i * 2 + 1] }).ToArray();
        Assert.Equal(expected, vectors.Values<float>().ToArray());
    }

    [Fact]
    public void Uint8_input_of_rank_three_is_scaled()
    {
        using var model = InferenceModel.Load(ExternalModels.ByteImageScaling());
        Assert.Equal(OnnxElementType.UInt8, model.Inputs[0].ElementType);
        byte[] image = [0, 51, 102, 255, 255, 0, 10, 20];
        var outputs = model.Run(new Dictionary<string, InferenceTensor> { ["image"] = InferenceTensor.Create(image, 2, 2, 2) });
        Assert.Equal(image.Select(b => b / 255f).ToArray(), outputs["scaled"].Values<float>().ToArray());
    }

    [Fact]
    public void Symbolic_non_batch_dimension_takes_any_length()
    {
        using var model = InferenceModel.Load(ExternalModels.SequenceMean());
        var x = model.Inputs[0];
        Assert.Equal([OnnxDimension.Symbolic("batch"), OnnxDimension.Symbolic("seq"), OnnxDimension.Fixed(4)], x.Dimensions);
        Assert.Null(model.BatchedFloat); // "seq" is not fixed, so a sample has no fixed size
        foreach (var seq in new[] { 1, 3, 7 })
        {
            var values = Enumerable.Range(0, 2 * seq * 4).Select(i => (float)i).ToArray();
            var pooled = model.Run(new Dictionary<string, InferenceTensor> { ["x"] = InferenceTensor.Create(values, 2, seq, 4) })["pooled"];
            Assert.Equal([2L, 4L], pooled.Shape);
            for (var b = 0; b < 2; b++)
            {
                for (var f = 0; f < 4; f++)
                {
                    var mean = Enumerable.Range(0, seq).Average(s => values[(b * seq + s) * 4 + f]);
                    Assert.Equal(mean, pooled.Values<float>()[b * 4 + f], 4);
                }
            }
        }
    }

    [Fact]
    public void Two_inputs_are_matched_by_name_whatever_the_dictionary_order()
    {
        using var model = InferenceModel.Load(ExternalModels.TwoInputSum());
        var outputs = model.Run(new Dictionary<string, InferenceTensor>
        {
            ["b"] = InferenceTensor.Create(new float[] { 10f, 20f }, 1, 2),
            ["a"] = InferenceTensor.Create(new float[] { 1f, 2f }, 1, 2),
        });
        Assert.Equal([11f, 22f], outputs["sum"].Values<float>().ToArray());
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-5f);
    }

    private static float[] Expected(float[] x, int batch)
    {
        var y = new float[batch * 3];
        for (var n = 0; n < batch; n++)
        {
            for (var j = 0; j < 3; j++)
            {
                var sum = ExternalModels.MatMulBias[j];
                for (var k = 0; k < 4; k++) sum += x[n * 4 + k] * ExternalModels.MatMulWeights[k * 3 + j];
                y[n * 3 + j] = sum;
            }
        }
        return y;
    }
}
