using System.Net;
using Portal.Engine.Inference;
using Portal.Engine.Onnx;
using Portal.Server.Serving;

namespace Portal.Server.Tests.Serving;

/// <summary>How typed requests are keyed, laid end to end into one run and handed back their own rows (<see cref="TypedBatch"/>).</summary>
public sealed class TypedBatchTests
{
    private static readonly TypedBatchSignature s_signature = new(
        [Tensor("ids", OnnxElementType.Int32, "batch", 3), Tensor("image", OnnxElementType.Float32, "batch", 1, "height", "width")],
        [Tensor("scores", OnnxElementType.Float32, "batch", 2), Tensor("label", OnnxElementType.Int64, "batch")]);

    [Fact]
    public void Requests_of_any_rows_share_a_key_when_their_other_dimensions_and_outputs_agree()
    {
        var one = TypedBatch.Key(s_signature, Inputs(1, 4, 5), ["scores", "label"], 1);
        var three = TypedBatch.Key(s_signature, Inputs(3, 4, 5), ["label", "scores"], 3);

        Assert.NotNull(one);
        Assert.Equal(one, three);
    }

    [Theory]
    [InlineData(4, 6, "scores,label")]
    [InlineData(5, 4, "scores,label")]
    [InlineData(4, 5, "scores")]
    [InlineData(4, 5, "label")]
    public void Requests_of_other_image_sizes_or_other_outputs_have_another_key(int height, int width, string outputs)
    {
        var key = TypedBatch.Key(s_signature, Inputs(2, 4, 5), ["scores", "label"], 2);

        Assert.NotEqual(key, TypedBatch.Key(s_signature, Inputs(2, height, width), outputs.Split(','), 2));
    }

    [Fact]
    public void A_request_whose_inputs_disagree_on_rows_or_that_lacks_an_input_or_names_an_unknown_output_joins_no_batch()
    {
        var inputs = Inputs(2, 4, 5);
        var uneven = new Dictionary<string, InferenceTensor> { ["ids"] = Ids(3, 0), ["image"] = inputs["image"] };

        Assert.Null(TypedBatch.Key(s_signature, uneven, ["scores"], 2));
        Assert.Null(TypedBatch.Key(s_signature, new Dictionary<string, InferenceTensor> { ["ids"] = inputs["ids"] }, ["scores"], 2));
        Assert.Null(TypedBatch.Key(s_signature, inputs, ["scores", "logits"], 2));
    }

    [Fact]
    public void Merged_inputs_hold_every_job_rows_in_order_and_each_job_gets_its_own_rows_of_every_output()
    {
        var first = Job(Ids(1, 0), rows: 1);
        var second = Job(Ids(2, 100), rows: 2);
        InferenceJob[] jobs = [first, second];

        var merged = TypedBatch.Merge(jobs);
        TypedBatch.Split(new Dictionary<string, InferenceTensor>
        {
            ["label"] = InferenceTensor.Create(new long[] { 7, 8, 9 }, 3),
            ["scores"] = InferenceTensor.Create(new float[] { 1, 2, 3, 4, 5, 6 }, 3, 2),
        }, jobs, 3);

        Assert.Equal([3L, 3], merged["ids"].Shape);
        Assert.Equal([0, 1, 2, 100, 101, 102, 103, 104, 105], merged["ids"].Values<int>().ToArray());
        Assert.Equal([3L, 1, 2, 2], merged["image"].Shape);
        Assert.Equal([7L], first.TypedOutputs!["label"].Values<long>().ToArray());
        Assert.Equal([1f, 2], first.TypedOutputs["scores"].Values<float>().ToArray());
        Assert.Equal([8L, 9], second.TypedOutputs!["label"].Values<long>().ToArray());
        Assert.Equal([2L, 2], second.TypedOutputs["scores"].Shape);
        Assert.Equal([3f, 4, 5, 6], second.TypedOutputs["scores"].Values<float>().ToArray());
    }

    [Fact]
    public void An_output_that_does_not_come_back_with_the_merged_rows_first_fails_the_run()
    {
        InferenceJob[] jobs = [Job(Ids(1, 0), rows: 1), Job(Ids(1, 3), rows: 1)];

        var error = Assert.Throws<ServingException>(() => TypedBatch.Split(
            new Dictionary<string, InferenceTensor> { ["label"] = InferenceTensor.Create(new long[] { 7 }, 1) }, jobs, 2));

        Assert.Equal((int)HttpStatusCode.InternalServerError, error.Status);
        Assert.Contains("Output 'label' came back as [1] for 2 merged rows, not with the batch first", error.Message);
        Assert.All(jobs, job => Assert.Null(job.TypedOutputs));
    }

    [Fact]
    public void A_lone_job_gets_the_run_outputs_as_they_are()
    {
        InferenceJob[] jobs = [Job(Ids(1, 0), rows: 1)];
        var results = new Dictionary<string, InferenceTensor> { ["label"] = InferenceTensor.Create(new long[] { 7, 8 }, 2) };

        TypedBatch.Split(results, jobs, 1);

        Assert.Same(results, jobs[0].TypedOutputs);
    }

    private static InferenceJob Job(InferenceTensor ids, int rows) => new(new Dictionary<string, InferenceTensor>
    {
        ["ids"] = ids,
        ["image"] = InferenceTensor.Create(new float[rows * 4], rows, 1, 2, 2),
    }, ["scores", "label"], rows, "key");

    /// <summary><paramref name="rows"/> rows of three ids counting up from <paramref name="start"/>.</summary>
    private static InferenceTensor<int> Ids(int rows, int start) => InferenceTensor.Create(Enumerable.Range(start, rows * 3).ToArray(), rows, 3);

    private static Dictionary<string, InferenceTensor> Inputs(int rows, int height, int width) => new()
    {
        ["ids"] = Ids(rows, 0),
        ["image"] = InferenceTensor.Create(new float[rows * height * width], rows, 1, height, width),
    };

    private static OnnxTensorInfo Tensor(string name, OnnxElementType type, params object[] dims) =>
        new(name, type, [.. dims.Select(d => d is string symbol ? OnnxDimension.Symbolic(symbol) : OnnxDimension.Fixed(Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture)))]);
}
