using System.Net;
using System.Text;

namespace Portal.Server.Tests.Serving;

/// <summary>Every malformed request is answered with the protocol's error and a message that names the problem; none reaches the session.</summary>
[Collection(ServingCollection.Name)]
public sealed class BadInputTests(ServingPortal portal)
{
    private static readonly float[][] s_one = [InferCalls.Row(1)];

    private async Task<string> Refused(string body, HttpStatusCode status = HttpStatusCode.BadRequest)
    {
        var model = await portal.CreateModel();
        var before = portal.Observer.Batches.Count(b => b.Model == model);
        var message = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", body)).Error(status);
        Assert.Equal(before, portal.Observer.Batches.Count(b => b.Model == model));
        return message;
    }

    [Fact]
    public async Task A_wrong_tensor_name_names_the_given_and_the_expected_input()
    {
        var message = await Refused(InferCalls.Body(s_one, name: "pixels"));

        Assert.Contains("no input 'pixels'", message);
        Assert.Contains("'input'", message);
        Assert.Contains("[-1,1,2,2]", message);
    }

    [Fact]
    public async Task A_wrong_datatype_names_both_datatypes()
    {
        var message = await Refused(InferCalls.Body(s_one, datatype: "INT64"));

        Assert.Contains("expects datatype FP32", message);
        Assert.Contains("INT64", message);
    }

    [Fact]
    public async Task A_datatype_the_protocol_does_not_define_is_named()
    {
        var message = await Refused(InferCalls.Body(s_one, datatype: "FLOAT"));

        Assert.Contains("'FLOAT'", message);
        Assert.Contains("does not define", message);
    }

    [Fact]
    public async Task A_shape_of_the_wrong_rank_names_expected_and_given_shapes()
    {
        var message = await Refused(InferCalls.Body(s_one, shape: "[1,4]"));

        Assert.Contains("[-1,1,2,2] (rank 4)", message);
        Assert.Contains("[1,4] (rank 2)", message);
    }

    [Fact]
    public async Task A_shape_with_a_wrong_fixed_dimension_names_the_dimension()
    {
        var message = await Refused(InferCalls.Body(s_one, shape: "[1,1,4,1]"));

        Assert.Contains("[1,1,4,1]", message);
        Assert.Contains("dimension 2 must be 2", message);
    }

    [Fact]
    public async Task A_non_positive_dimension_is_refused()
    {
        var message = await Refused(InferCalls.Body(s_one, shape: "[0,1,2,2]"));

        Assert.Contains("dimension 0 is 0", message);
    }

    [Fact]
    public async Task An_element_count_that_does_not_fill_the_shape_names_both_counts()
    {
        var message = await Refused(InferCalls.Body(s_one, shape: "[2,1,2,2]"));

        Assert.Contains("holds 8 values", message);
        Assert.Contains("\"data\" has 4", message);
    }

    [Fact]
    public async Task A_value_that_is_not_a_number_is_named_by_position()
    {
        var message = await Refused("""{"inputs":[{"name":"input","shape":[1,1,2,2],"datatype":"FP32","data":[1,2,"three",4]}]}""");

        Assert.Contains("Value 2 of input 'input'", message);
        Assert.Contains("a string", message);
    }

    [Fact]
    public async Task A_value_beyond_float32_is_refused()
    {
        var message = await Refused("""{"inputs":[{"name":"input","shape":[1,1,2,2],"datatype":"FP32","data":[1,2,3,1e300]}]}""");

        Assert.Contains("Value 3", message);
        Assert.Contains("FP32", message);
    }

    [Fact]
    public async Task Malformed_json_is_400_with_the_parsers_reason()
    {
        var message = await Refused("""{"inputs":[{"name":"input","shape":[1,1,2,2],"datatype":"FP32","data":[1,2,3,4]}""");

        Assert.Contains("JSON", message);
    }

    [Fact]
    public async Task A_body_that_is_not_an_object_or_has_no_inputs_is_refused()
    {
        Assert.Contains("JSON object", await Refused("[1,2,3]"));
        Assert.Contains("no \"inputs\"", await Refused("""{"id":"x"}"""));
    }

    [Fact]
    public async Task Two_inputs_for_a_one_input_model_are_refused_naming_both()
    {
        var message = await Refused("""
            {"inputs":[{"name":"input","shape":[1,1,2,2],"datatype":"FP32","data":[1,2,3,4]},
                       {"name":"extra","shape":[1],"datatype":"FP32","data":[1]}]}
            """);

        Assert.Contains("takes one input", message);
        Assert.Contains("'extra'", message);
    }

    [Fact]
    public async Task A_missing_shape_datatype_or_data_is_named()
    {
        Assert.Contains("no \"shape\"", await Refused("""{"inputs":[{"name":"input","datatype":"FP32","data":[1,2,3,4]}]}"""));
        Assert.Contains("no \"datatype\"", await Refused("""{"inputs":[{"name":"input","shape":[1,1,2,2],"data":[1,2,3,4]}]}"""));
        Assert.Contains("no \"data\"", await Refused("""{"inputs":[{"name":"input","shape":[1,1,2,2],"datatype":"FP32"}]}"""));
    }

    [Fact]
    public async Task An_unknown_requested_output_is_named()
    {
        var message = await Refused("""{"inputs":[{"name":"input","shape":[1,1,2,2],"datatype":"FP32","data":[1,2,3,4]}],"outputs":[{"name":"probabilities"}]}""");

        Assert.Contains("no output 'probabilities'", message);
        Assert.Contains("'output'", message);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_naming_the_limit()
    {
        var model = await portal.CreateModel();
        var huge = new StringBuilder("""{"inputs":[{"name":"input","shape":[1,1,2,2],"datatype":"FP32","data":[""");
        while (huge.Length <= ServingPortal.MaxRequestBytes) huge.Append("0.123456789,");
        huge.Append("1]}]}");

        var message = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", huge.ToString())).Error(HttpStatusCode.RequestEntityTooLarge);

        Assert.Contains(ServingPortal.MaxRequestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), message);
    }

    [Fact]
    public async Task A_body_over_the_limit_names_the_setting_that_raises_it()
    {
        var huge = new string(' ', (int)ServingPortal.MaxRequestBytes + 1);

        var message = await (await portal.Viewer.Infer("/v2/models/any/infer", huge)).Error(HttpStatusCode.RequestEntityTooLarge);

        Assert.Contains("Portal:Serving:MaxRequestBytes", message);
    }

    [Fact]
    public async Task The_server_still_answers_correctly_after_refusals()
    {
        var model = await portal.CreateModel();
        await portal.Viewer.Infer($"/v2/models/{model}/infer", InferCalls.Body(s_one, shape: "[1,4]"));

        var (_, rows, _) = await (await portal.Viewer.Infer(model, s_one)).Outputs();

        InferCalls.AssertRow(ServingPortal.Expected(1, s_one[0]), rows[0]);
    }
}
