using Portal.Engine.Inference;
using Portal.Server.Serving;

namespace Portal.Server.Tests.Serving;

public sealed class TokenRunCostTests
{
    [Fact]
    public void A_text_model_that_pads_gets_a_run_cost_of_at_least_one_token_row_and_at_most_four_full_rows()
    {
        using var session = InferenceModel.Load(TextModels.Onnx(), new InferenceOptions { IntraOpThreads = 1, PreferCuda = false });

        var cost = TokenRunCost.Measure(session, runs: 5);

        Assert.InRange(cost, 1, 4.0 * TextModels.MaxLength);
    }

    [Fact]
    public void A_token_model_without_declared_padding_needs_no_run_cost()
    {
        using var session = InferenceModel.Load(ProtocolModels.TokenMean(), new InferenceOptions { IntraOpThreads = 1, PreferCuda = false });

        Assert.Equal(0, TokenRunCost.Measure(session, runs: 5));
    }
}
