using Portal.Engine.Evaluation;
using Portal.Engine.Inference;
using Portal.Engine.Onnx;

namespace Portal.Engine.Tests.Inference;

/// <summary>The batch independence check of models merged as typed tensors: other datatypes, several inputs, dynamic dimensions besides the batch.</summary>
public sealed class TypedIndependenceCheckTests
{
    private static readonly InferenceOptions s_options = new() { PreferCuda = false, IntraOpThreads = 1 };

    [Theory]
    [InlineData(OnnxElementType.Float16, "within 0.00195 relative")]
    [InlineData(OnnxElementType.Float64, "within 0.0001 relative")]
    [InlineData(OnnxElementType.Int32, "exactly")]
    public void Per_row_models_of_other_datatypes_pass_within_their_type_tolerance(OnnxElementType type, string agreement)
    {
        using var model = InferenceModel.Load(ExternalModels.Identity((int)type), s_options);

        var check = BatchIndependenceCheck.Run(model);

        Assert.Equal(BatchIndependenceOutcome.Passed, check.Outcome);
        Assert.Equal($"8 seeded rows gave the same outputs alone and as one batch ({agreement})", check.Reason);
    }

    [Fact]
    public void A_model_of_two_inputs_passes()
    {
        using var model = InferenceModel.Load(ExternalModels.TwoInputSum(), s_options);

        Assert.Equal(BatchIndependenceOutcome.Passed, BatchIndependenceCheck.Run(model).Outcome);
    }

    [Fact]
    public void A_dynamic_dimension_besides_the_batch_is_sized_as_the_import_sizes_it_and_the_reason_says_so()
    {
        using var model = InferenceModel.Load(ExternalModels.SequenceMean(), s_options);

        var unsized = BatchIndependenceCheck.Run(model);
        var sized = BatchIndependenceCheck.Run(model, sizes: new RepresentativeSizes { Dimensions = new Dictionary<string, long> { ["seq"] = 5 } });

        Assert.Equal(BatchIndependenceOutcome.Passed, unsized.Outcome);
        Assert.EndsWith($", with dynamic dimensions seq={RepresentativeSizes.DefaultDimension}", unsized.Reason);
        Assert.EndsWith(", with dynamic dimensions seq=5", sized.Reason);
    }

    [Theory]
    [InlineData(OnnxElementType.Float64)]
    [InlineData(OnnxElementType.Int32)]
    public void A_typed_graph_whose_rows_depend_on_the_whole_batch_fails_naming_the_row_and_output(OnnxElementType type)
    {
        using var model = InferenceModel.Load(ExternalModels.WholeBatchMax((int)type), s_options);

        var check = BatchIndependenceCheck.Run(model);

        Assert.Equal(BatchIndependenceOutcome.Failed, check.Outcome);
        Assert.Matches(@"^row \d of 8 seeded rows changed output 'y' (by [0-9.]+|\(int32\)) when run in one batch instead of alone$", check.Reason);
    }

    [Fact]
    public void An_output_that_does_not_come_back_with_the_batch_first_fails_as_it_could_not_be_cut_into_rows()
    {
        using var model = InferenceModel.Load(ExternalModels.Transposed(), s_options);

        var check = BatchIndependenceCheck.Run(model);

        Assert.True(check.Outcome == BatchIndependenceOutcome.Failed, $"{check.Outcome}: {check.Reason}");
        Assert.Equal("output 'y' came back as [32,8] for 8 rows run together, not with the batch first, so a merged run cannot be cut back into rows, with dynamic dimensions n=32", check.Reason);
    }

    [Fact]
    public void A_model_taking_strings_is_not_checked_and_says_why()
    {
        using var model = InferenceModel.Load(ExternalModels.Identity((int)OnnxElementType.String), s_options);

        var check = BatchIndependenceCheck.Run(model);

        Assert.Null(model.BatchedTyped);
        Assert.Equal(BatchIndependenceOutcome.NotChecked, check.Outcome);
        Assert.Equal("requests of this model cannot be merged: input 'x' (string [batch,2]) holds strings, and requests of strings are not merged", check.Reason);
    }
}
