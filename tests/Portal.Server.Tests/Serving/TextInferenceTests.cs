using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Portal.Server.Tests.Serving;

/// <summary>
/// A text version served through /v2: raw UTF-8 texts in as BYTES <c>text</c>, tokenized on the server as training
/// did, and classes out; token ids still accepted; Triton's classification extension on any classifier output.
/// Masked padding changes no answer, so rows padded to the longest text agree with rows padded to the full length
/// up to float summation order (1e-5 on logits of this size).
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class TextInferenceTests(ServingPortal portal)
{
    private const float Tolerance = 1e-5f;

    private static readonly string[] s_texts = ["The bank raised the LOAN rate!", "a late goal", "snow", "words nobody trained on at all, really", "goal goal goal rain rain rain bank bank bank the the the snow snow snow"];

    private static string TextBody(IEnumerable<string> texts, string shape, string outputs = "") =>
        $$"""{"inputs":[{"name":"text","datatype":"BYTES","shape":{{shape}},"data":{{JsonSerializer.Serialize(texts)}}}]{{outputs}}}""";

    private static string ClassifyOutput(int k) => $$$""","outputs":[{"name":"output","parameters":{"classification":{{{k}}}}}]""";

    private Task<string> ServeText(bool tokenizer = true) => portal.Serve(TextModels.Onnx(tokenizer: tokenizer));

    [Fact]
    public async Task Texts_sent_as_bytes_come_back_with_each_texts_class_index_name_and_probability()
    {
        var model = await ServeText();
        var logits = TextModels.Logits(TextModels.Onnx(), s_texts);
        var probabilities = TextModels.Softmax(logits, TextModels.Classes.Length);

        var outputs = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", TextBody(s_texts, "[5]"))).JsonOutputs();

        Assert.Equal(["output", "class_index", "probability", "class"], outputs.Keys);
        Assert.Equal([5, 3], outputs["output"].GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        var served = outputs["output"].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        for (var i = 0; i < logits.Length; i++) Assert.True(Math.Abs(logits[i] - served[i]) <= Tolerance, $"logit {i}: {served[i]}, training's reading gives {logits[i]}");
        var best = probabilities.Select(p => Array.IndexOf(p, p.Max())).ToArray();
        Assert.Equal("INT64", outputs["class_index"].GetProperty("datatype").GetString());
        Assert.Equal(best.Select(b => (long)b), outputs["class_index"].GetProperty("data").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(best.Select(b => TextModels.Classes[b]), outputs["class"].GetProperty("data").EnumerateArray().Select(e => e.GetString()));
        var probability = outputs["probability"].GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (var i = 0; i < best.Length; i++) Assert.True(Math.Abs(probabilities[i][best[i]] - probability[i]) <= Tolerance, $"text {i}: {probability[i]}, softmax gives {probabilities[i][best[i]]}");
    }

    [Fact]
    public async Task The_same_texts_as_token_ids_give_the_same_classes_and_probabilities()
    {
        var model = await ServeText();
        var ids = TextModels.TrainingIds(s_texts);
        var idsBody = $$"""{"inputs":[{"name":"input","datatype":"INT64","shape":[5,{{TextModels.MaxLength}}],"data":{{JsonSerializer.Serialize(ids)}}}]{{ClassifyOutput(3)}}}""";

        var byText = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", TextBody(s_texts, "[5]", ClassifyOutput(3)))).JsonOutputs();
        var byIds = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", idsBody)).JsonOutputs();

        var fromText = Classified(byText["output"]);
        var fromIds = Classified(byIds["output"]);
        Assert.Equal(fromIds.Select(r => r.Select(c => (c.Index, c.Name))), fromText.Select(r => r.Select(c => (c.Index, c.Name))));
        for (var r = 0; r < s_texts.Length; r++)
        {
            for (var c = 0; c < 3; c++) Assert.True(Math.Abs(fromIds[r][c].Probability - fromText[r][c].Probability) <= Tolerance, $"text {r} class {c}");
            Assert.True(Math.Abs(fromText[r].Sum(c => c.Probability) - 1) <= 1e-5, $"text {r}'s probabilities sum to {fromText[r].Sum(c => c.Probability)}");
        }
    }

    [Fact]
    public async Task Texts_come_as_binary_tensor_data_and_as_one_column()
    {
        var model = await ServeText();
        var texts = s_texts[..2];
        var expected = TextModels.Logits(TextModels.Onnx(), texts);

        var binary = await portal.Viewer.InferBinary(model,
            $$"""{"inputs":[{{ProtocolCalls.BinaryInput("text", "BYTES", "[2,1]", ProtocolCalls.Encode("BYTES", texts.Select(t => JsonSerializer.Serialize(t))).Length)}}],"outputs":[{"name":"output"}]}""",
            ProtocolCalls.Encode("BYTES", texts.Select(t => JsonSerializer.Serialize(t))));

        var outputs = await binary.JsonOutputs();
        var served = outputs["output"].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        Assert.Equal(expected.Length, served.Length);
        for (var i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - served[i]) <= Tolerance, $"logit {i}");
    }

    [Fact]
    public async Task Metadata_of_a_text_version_says_it_takes_text_and_lists_its_classes()
    {
        var model = await ServeText();

        var parameters = JsonDocument.Parse(await portal.Viewer.GetStringAsync($"/v2/models/{model}")).RootElement.GetProperty("parameters");

        var text = parameters.GetProperty("text_input");
        Assert.Equal("text", text.GetProperty("name").GetString());
        Assert.Equal("BYTES", text.GetProperty("datatype").GetString());
        Assert.Equal([-1], text.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("input", text.GetProperty("replaces").GetString());
        Assert.Equal(TextModels.MaxLength, text.GetProperty("max_tokens").GetInt32());
        Assert.Equal("output", parameters.GetProperty("classifier_output").GetString());
        Assert.Equal(TextModels.Classes, parameters.GetProperty("classes").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task A_version_without_a_tokenizer_or_class_names_says_neither()
    {
        var model = await portal.CreateModel(versions: 1);

        var parameters = JsonDocument.Parse(await portal.Viewer.GetStringAsync($"/v2/models/{model}")).RootElement.GetProperty("parameters");

        Assert.False(parameters.TryGetProperty("text_input", out _));
        Assert.False(parameters.TryGetProperty("classes", out _));
    }

    [Fact]
    public async Task Classification_of_a_float_model_without_class_names_gives_probability_and_index_only()
    {
        var model = await portal.CreateModel(versions: 1);
        var row = InferCalls.Row(1);
        var probabilities = TextModels.Softmax(ServingPortal.Expected(1, row), ServingPortal.OutputValues)[0];
        var body = InferCalls.Body([row]).TrimEnd('}') + ""","outputs":[{"name":"output","parameters":{"classification":2}}]}""";

        var outputs = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", body)).JsonOutputs();

        Assert.Equal("BYTES", outputs["output"].GetProperty("datatype").GetString());
        Assert.Equal([1, 2], outputs["output"].GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        var top = Classified(outputs["output"])[0];
        var order = probabilities.Select((p, i) => (p, i)).OrderByDescending(x => x.p).Take(2).ToArray();
        Assert.Equal(order.Select(o => o.i), top.Select(c => c.Index));
        Assert.All(top, c => Assert.Null(c.Name));
        for (var i = 0; i < 2; i++) Assert.True(Math.Abs(order[i].p - top[i].Probability) <= 1e-6, $"class {order[i].i}");
    }

    [Theory]
    [InlineData("""{"inputs":[{"name":"text","datatype":"BYTES","shape":[1],"data":["goal"]}],"outputs":[{"name":"output","parameters":{"classification":0}}]}""", "Output 'output'", "at least 1 class, not 0")]
    [InlineData("""{"inputs":[{"name":"text","datatype":"BYTES","shape":[1],"data":["goal"]}],"outputs":[{"name":"output","parameters":{"classification":4}}]}""", "Output 'output'", "has 3 classes, so classification cannot ask for 4")]
    [InlineData("""{"inputs":[{"name":"text","datatype":"BYTES","shape":[1],"data":["goal"]}],"outputs":[{"name":"output","parameters":{"classification":1.5}}]}""", "outputs[0] parameters.classification", "1.5")]
    [InlineData("""{"inputs":[{"name":"text","datatype":"BYTES","shape":[0],"data":[]}]}""", "Input 'text'", "holds no texts")]
    [InlineData("""{"inputs":[{"name":"text","datatype":"BYTES","shape":[2,2],"data":["a","b","c","d"]}]}""", "Input 'text'", "expects shape [n] or [n,1]")]
    [InlineData("""{"inputs":[{"name":"text","datatype":"INT64","shape":[1],"data":[3]}]}""", "Input 'text'", "expects datatype BYTES")]
    [InlineData("""{"inputs":[{"name":"text","datatype":"BYTES","shape":[1],"data":[3]}]}""", "input 'text'", "not a string")]
    [InlineData("""{"inputs":[{"name":"text","datatype":"BYTES","shape":[1],"data":["goal"]},{"name":"input","datatype":"INT64","shape":[1,1],"data":[2]}]}""", "Input 'text' comes alone", "'input'")]
    [InlineData("""{"inputs":[{"name":"text","datatype":"BYTES","shape":[1],"data":["goal"]}],"outputs":[{"name":"logits"}]}""", "no output 'logits'", "'output'")]
    public async Task A_text_request_that_does_not_fit_is_refused_naming_the_tensor(string body, string tensor, string problem)
    {
        var model = await ServeText();

        var message = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", body)).Error(HttpStatusCode.BadRequest);

        Assert.Contains(tensor, message);
        Assert.Contains(problem, message);
    }

    [Fact]
    public async Task Texts_that_are_not_utf8_are_refused_in_json_and_in_binary_data()
    {
        var model = await ServeText();
        var json = Encoding.UTF8.GetBytes("""{"inputs":[{"name":"text","datatype":"BYTES","shape":[1],"data":["ab__"]}]}""");
        var at = Array.IndexOf(json, (byte)'_');
        json[at] = 0xC3;
        json[at + 1] = 0x28;
        byte[] bad = [2, 0, 0, 0, 0xC3, 0x28];

        var inJson = await portal.Viewer.PostAsync($"/v2/models/{model}/infer", new ByteArrayContent(json) { Headers = { ContentType = new("application/json") } });
        var inBinary = await portal.Viewer.InferBinary(model, $$"""{"inputs":[{{ProtocolCalls.BinaryInput("text", "BYTES", "[1]", bad.Length)}}]}""", bad);

        foreach (var response in new[] { inJson, inBinary })
        {
            var message = await response.Error(HttpStatusCode.BadRequest);
            Assert.Contains("input 'text'", message);
            Assert.Contains("not UTF-8", message);
        }
    }

    [Fact]
    public async Task Text_sent_to_a_version_without_a_tokenizer_is_refused_saying_why_and_what_it_takes()
    {
        var tokens = await ServeText(tokenizer: false);
        var floats = await portal.CreateModel(versions: 1);

        var tokenMessage = await (await portal.Viewer.Infer($"/v2/models/{tokens}/infer", TextBody(["goal"], "[1]"))).Error(HttpStatusCode.BadRequest);
        var floatMessage = await (await portal.Viewer.Infer($"/v2/models/{floats}/infer", TextBody(["goal"], "[1]"))).Error(HttpStatusCode.BadRequest);

        Assert.Contains("Input 'text' cannot be sent", tokenMessage);
        Assert.Contains("carries no tokenizer", tokenMessage);
        Assert.Contains("'input' (INT64 [-1,-1])", tokenMessage);
        Assert.Contains("Input 'text' cannot be sent", floatMessage);
        Assert.Contains("takes float features", floatMessage);
    }

    [Fact]
    public async Task Classification_of_an_output_that_is_no_classifiers_is_refused_naming_it()
    {
        var model = await portal.Serve(ProtocolModels.TwoInTwoOut());
        var body = """{"inputs":[{"name":"features","datatype":"FP32","shape":[1,3],"data":[1,2,3]},{"name":"counts","datatype":"INT64","shape":[1],"data":[1]}],"outputs":[{"name":"doubled","parameters":{"classification":1}}]}""";

        var message = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", body)).Error(HttpStatusCode.BadRequest);

        Assert.Contains("Output 'doubled'", message);
        Assert.Contains("not a classifier's", message);
    }

    private sealed record Scored(float Probability, int Index, string? Name);

    /// <summary>The classification extension's BYTES [n, k] as rows of (probability, index, name).</summary>
    private static Scored[][] Classified(JsonElement output)
    {
        Assert.Equal("BYTES", output.GetProperty("datatype").GetString());
        var k = output.GetProperty("shape")[1].GetInt32();
        return [.. output.GetProperty("data").EnumerateArray().Select(e => e.GetString()!.Split(':')).Select(parts =>
            new Scored(float.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), parts.Length > 2 ? parts[2] : null)).Chunk(k)];
    }
}
