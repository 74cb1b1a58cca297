using System.Net;

namespace Portal.Server.Tests.Serving;

/// <summary>
/// JSON has no number for NaN or an infinity, so an output holding one is refused as JSON with a message naming the
/// output and the value, on the pooled path and the typed path alike; asked for as binary tensor data it comes back as it is.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class NonFiniteOutputTests(ServingPortal portal)
{
    // log(-1) is NaN and log(0) is -∞.
    private const string Inputs = """{"inputs":[{"name":"x","datatype":"FP32","shape":[2,2],"data":[[1,-1],[0,2]]}]""";

    [Fact]
    public async Task A_NaN_output_asked_for_as_JSON_on_the_pooled_path_is_refused_naming_the_output_and_the_value()
    {
        var model = await portal.Serve(ProtocolModels.LogWithLabel());

        var message = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", Inputs + ""","outputs":[{"name":"y"}]}""")).Error(HttpStatusCode.InternalServerError);

        Assert.Equal("Output 'y' holds NaN at value 1, which JSON has no number for; ask for it as binary tensor data (\"parameters\": {\"binary_data\": true} on the output), which carries it as it is.", message);
    }

    [Fact]
    public async Task A_non_finite_output_on_the_typed_path_is_refused_as_JSON_and_answered_as_binary_data()
    {
        var model = await portal.Serve(ProtocolModels.LogWithLabel());

        var message = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", Inputs + "}")).Error(HttpStatusCode.InternalServerError);
        var (root, tail) = await (await portal.Viewer.Infer($"/v2/models/{model}/infer",
            Inputs + ""","outputs":[{"name":"y","parameters":{"binary_data":true}},{"name":"label"}]}""")).BinaryAnswer();

        Assert.StartsWith("Output 'y' holds NaN at value 1, which JSON has no number for", message);
        var y = new float[4];
        Buffer.BlockCopy(tail, 0, y, 0, tail.Length);
        Assert.Equal(0f, y[0]);
        Assert.True(float.IsNaN(y[1]));
        Assert.Equal(float.NegativeInfinity, y[2]);
        Assert.Equal(MathF.Log(2), y[3], 1e-6f);
        Assert.Equal([0L, 1L], root.GetProperty("outputs")[1].GetProperty("data").EnumerateArray().Select(e => e.GetInt64()));
    }
}
