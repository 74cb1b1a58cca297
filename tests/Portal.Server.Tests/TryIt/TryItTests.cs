using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Portal.Server.Auth;
using Portal.Server.Components.TryIt;
using Portal.Server.Tests.Datasets;
using Portal.Server.Tests.Serving;

namespace Portal.Server.Tests.TryIt;

/// <summary>The "try it" panel's server side: what it finds to run, and that its runs are /v2's own.</summary>
[Collection(ServingCollection.Name)]
public sealed class TryItTests(ServingPortal portal)
{
    private static readonly CurrentUser s_viewer = User(PortalRoles.Viewer);

    [Fact]
    public async Task A_panel_run_answers_exactly_what_v2_answers_for_the_same_body()
    {
        var model = await portal.CreateModel();
        var body = InferCalls.Body([InferCalls.Row(1), InferCalls.Row(2)], id: "same");

        var overHttp = JsonDocument.Parse(await (await portal.Viewer.Infer(model, [InferCalls.Row(1), InferCalls.Row(2)])).Content.ReadAsStringAsync()).RootElement;
        var answer = await Run(Version(model, 1), body);

        Assert.Null(answer.Error);
        Assert.Equal(1, answer.Version);
        var expected = overHttp.GetProperty("outputs")[0];
        var output = Assert.Single(answer.Outputs);
        Assert.Equal(expected.GetProperty("name").GetString(), output.Name);
        Assert.Equal("FP32", output.Datatype);
        Assert.Equal([2L, ServingPortal.OutputValues], output.Shape);
        Assert.Equal(expected.GetProperty("data").EnumerateArray().Select(v => v.GetRawText()), output.Values);
        InferCalls.AssertRow(ServingPortal.Expected(1, InferCalls.Row(2)), [.. output.Values.Skip(ServingPortal.OutputValues).Select(v => float.Parse(v, CultureInfo.InvariantCulture))]);
    }

    [Theory]
    [InlineData("""{"inputs":[{"name":"nope","shape":[1,1,2,2],"datatype":"FP32","data":[1,2,3,4]}]}""")]
    [InlineData("""{"inputs":[{"name":"input","shape":[1,1,2,2],"datatype":"FP32","data":[1,2,3]}]}""")]
    [InlineData("""{"inputs": [""")]
    public async Task A_refused_body_shows_the_message_v2_answers(string body)
    {
        var model = await portal.CreateModel();

        var refused = await (await portal.Viewer.Infer($"/v2/models/{model}/versions/1/infer", body)).Error(HttpStatusCode.BadRequest);
        var answer = await Run(Version(model, 1), body);

        Assert.Equal(refused, answer.Error);
        Assert.Empty(answer.Outputs);
    }

    [Fact]
    public async Task An_output_asked_for_as_binary_data_says_how_many_bytes_came()
    {
        var model = await portal.CreateModel();
        var body = InferCalls.Body([InferCalls.Row(1), InferCalls.Row(2)]).TrimEnd('}') + ""","parameters":{"binary_data_output":true}}""";

        var answer = await Run(Version(model, 1), body);

        Assert.Null(answer.Error);
        var output = Assert.Single(answer.Outputs);
        Assert.Equal([2L, ServingPortal.OutputValues], output.Shape);
        Assert.Equal([$"(binary tensor data, {2 * ServingPortal.OutputValues * sizeof(float)} bytes)"], output.Values);
    }

    [Fact]
    public async Task A_version_is_tried_where_an_alias_serves_it_and_otherwise_says_how_to_serve_it()
    {
        var model = await portal.CreateModel(3, ("production", 1), ("staging", 2));

        var staged = Version(model, 2);
        var unserved = Targets.ForVersion(model, 3);

        Assert.Equal("v2 is served as staging", staged.Served);
        Assert.Null(unserved);
        Assert.Contains("Promote it to an alias", TryItTargets.NotServed(model, 3));
        Assert.Equal(2, (await Run(staged, InferCalls.Body([InferCalls.Row(3)]))).Version);
    }

    [Fact]
    public async Task A_deployment_is_tried_through_its_alias()
    {
        var model = await portal.CreateModel(2, ("production", 1), ("staging", 2));

        var target = Targets.ForAlias(model, "staging");

        Assert.NotNull(target);
        Assert.Equal($"{model}/staging serves v2", target.Served);
        var answer = await Run(target, InferCalls.Body([InferCalls.Row(3)]));
        Assert.Equal(2, answer.Version);
        InferCalls.AssertRow(ServingPortal.Expected(2, InferCalls.Row(3)), [.. answer.Outputs[0].Values.Select(v => float.Parse(v, CultureInfo.InvariantCulture))]);
    }

    [Fact]
    public async Task A_signed_in_user_without_a_role_cannot_run_it()
    {
        var model = await portal.CreateModel();
        var before = portal.Observer.Batches.Count(b => b.Model == model);

        var answer = await portal.Services.GetRequiredService<TryItRunner>().Run(Version(model, 1), Encoding.UTF8.GetBytes(InferCalls.Body([InferCalls.Row(1)])), User(), default);

        Assert.Equal("Inference needs the Viewer role at least; you are no role.", answer.Error);
        Assert.Equal(before, portal.Observer.Batches.Count(b => b.Model == model));
    }

    [Fact]
    public async Task An_uploaded_idx_image_runs_shaped_as_the_version_takes_it()
    {
        // UINT8 [batch, 1, height, width] of any size; answers each image's mean grey level.
        var model = await portal.Serve(ProtocolModels.DynamicImage());
        var target = Version(model, 1);
        byte[][] images = [[0, 10, 20, 30, 40, 50], [200, 200, 200, 200, 200, 200]];

        var answer = await Run(target, TryItBodies.Image(target, new MemoryStream(IdxFiles.Images(images, height: 2, width: 3)), "two.idx", number: 2));

        Assert.Null(answer.Error);
        var mean = Assert.Single(answer.Outputs);
        Assert.Equal([1L], mean.Shape);
        Assert.Equal("200", Assert.Single(mean.Values));
        Assert.Equal("25", Assert.Single((await Run(target, TryItBodies.Image(target, new MemoryStream(IdxFiles.Images(images, 2, 3)), "two.idx", 1))).Outputs[0].Values));
    }

    [Fact]
    public async Task A_csv_row_runs_as_one_row_of_the_input()
    {
        // FP32 [batch, 4] → y = x and label = argmax(x).
        var model = await portal.Serve(ProtocolModels.FloatWithLabel());
        var target = Version(model, 1);

        var answer = await Run(target, TryItBodies.CsvRow(target, "1, 5.5, -2, 0"));

        Assert.Null(answer.Error);
        Assert.Equal(["1", "5.5", "-2", "0"], answer.Outputs.Single(o => o.Name == "y").Values);
        Assert.Equal(["1"], answer.Outputs.Single(o => o.Name == "label").Values);
    }

    [Fact]
    public async Task Typed_texts_come_back_as_each_texts_top_classes_with_their_probabilities()
    {
        var model = await portal.Serve(TextModels.Onnx());
        var target = Version(model, 1);
        string[] texts = ["a late goal", "snow and rain"];
        var probabilities = TextModels.Softmax(TextModels.Logits(TextModels.Onnx(), texts), TextModels.Classes.Length);

        var answer = await Run(target, TryItBodies.Text(target, texts));

        Assert.True(target.TakesText);
        Assert.Equal(new TryItClassifier("output", TextModels.Classes.Length), target.Classifier);
        Assert.Null(answer.Error);
        Assert.NotNull(answer.Classes);
        Assert.Equal(texts.Length, answer.Classes.Count);
        for (var t = 0; t < texts.Length; t++)
        {
            var expected = probabilities[t].Select((p, i) => (p, i)).OrderByDescending(c => c.p).ToArray();
            Assert.Equal(expected.Select(c => TextModels.Classes[c.i]), answer.Classes[t].Select(c => c.Name));
            Assert.Equal(expected.Select(c => c.i), answer.Classes[t].Select(c => c.Index));
            for (var c = 0; c < expected.Length; c++) Assert.True(Math.Abs(expected[c].p - answer.Classes[t][c].Probability) < 1e-5, $"text {t} class {c}: {answer.Classes[t][c].Probability}, softmax gives {expected[c].p}");
        }
        Assert.DoesNotContain(answer.Outputs, o => o.Name == "output");
    }

    [Fact]
    public void Text_is_offered_only_to_a_version_that_carries_its_tokenizer()
    {
        var target = new TryItTarget("m", 1, null, new Contracts.Registry.SignatureView([new("input", "INT64", [-1, 12])], [new("output", "FP32", [-1, 3])]), null, TakesText: false, "v1");

        Assert.DoesNotContain(TryItMode.Text, TryItModes.Of(target));
        Assert.Equal("Version m v1 carries no tokenizer, so it takes no text.", Assert.Throws<Refusal>(() => TryItBodies.Text(target, ["hello"])).Message);
        Assert.Contains(TryItMode.Text, TryItModes.Of(target with { TakesText = true }));
    }


    private Task<TryItAnswer> Run(TryItTarget target, string body) => Run(target, Encoding.UTF8.GetBytes(body));

    private Task<TryItAnswer> Run(TryItTarget target, byte[] body) => portal.Services.GetRequiredService<TryItRunner>().Run(target, body, s_viewer, default);

    private TryItTargets Targets => portal.Services.GetRequiredService<TryItTargets>();

    private TryItTarget Version(string model, int number) =>
        Targets.ForVersion(model, number) ?? throw new InvalidOperationException($"{model} v{number} is not served.");

    private static CurrentUser User(params string[] roles) =>
        new(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "tester"), .. roles.Select(r => new Claim(ClaimTypes.Role, r))], "test")));
}
