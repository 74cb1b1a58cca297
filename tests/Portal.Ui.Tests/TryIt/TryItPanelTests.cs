using System.Text;
using System.Text.Json;
using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Contracts.Registry;
using Portal.Server.Components.TryIt;
using Portal.Server.Hosting;
using Portal.Server.Tests.Datasets;
using Portal.Ui.Tests.Components;

namespace Portal.Ui.Tests.TryIt;

public sealed class TryItPanelTests : ComponentContext
{
    private readonly List<string> _sent = [];
    private TryItAnswer _answer = new(1, null, [], null);

    public TryItPanelTests() => Context.Services.AddSingleton(Options.Create(new PortalOptions()));

    private static TryItTarget Target(params TensorSignatureView[] inputs) =>
        new("fashion", 3, null, new SignatureView(inputs, [new TensorSignatureView("logits", "FP32", [-1, 10])]), null, TakesText: false, "v3 is served as production");

    private static readonly TryItTarget s_image = Target(new TensorSignatureView("pixels", "FP32", [-1, 1, 2, 3]));
    private static readonly TryItTarget s_rows = Target(new TensorSignatureView("features", "FP32", [-1, 4]));

    private IRenderedComponent<TryItPanel> Render(TryItTarget target) => Context.Render<TryItPanel>(p => p
        .Add(c => c.Target, target)
        .Add(c => c.Run, body =>
        {
            _sent.Add(Encoding.UTF8.GetString(body));
            return Task.FromResult(_answer);
        }));

    private static string[] Tabs(IRenderedComponent<TryItPanel> panel) => [.. panel.FindAll(".mud-tab").Select(t => t.TextContent.Trim())];

    private static void Choose(IRenderedComponent<TryItPanel> panel, string tab) => panel.FindAll(".mud-tab").Single(t => t.TextContent.Trim() == tab).Click();

    [Fact]
    public void The_ways_of_giving_input_follow_the_signature()
    {
        Assert.Equal(["Image", "V2 JSON"], Tabs(Render(s_image)));
        Assert.Equal(["CSV row", "V2 JSON"], Tabs(Render(s_rows)));
        Assert.Equal(["V2 JSON"], Tabs(Render(Target(new TensorSignatureView("features", "FP32", [-1, 3]), new TensorSignatureView("counts", "INT64", [-1])))));
        Assert.Equal(["V2 JSON"], Tabs(Render(Target(new TensorSignatureView("flags", "BOOL", [-1, 1, 2, 3])))));
    }

    [Fact]
    public void A_version_that_takes_text_is_offered_text_first_and_each_line_is_one_text()
    {
        var panel = Render(Target(new TensorSignatureView("input", "INT64", [-1, 12])) with { TakesText = true });
        Assert.Equal(["Text", "V2 JSON"], Tabs(panel));

        panel.Find("textarea#try-text").Change("the bank raised the rate\n\n  a late goal  \n");
        panel.Find("#try-run").Click();

        var input = JsonDocument.Parse(Assert.Single(_sent)).RootElement.GetProperty("inputs").EnumerateArray().Single();
        Assert.Equal("text", input.GetProperty("name").GetString());
        Assert.Equal("BYTES", input.GetProperty("datatype").GetString());
        Assert.Equal([2L], input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal(["the bank raised the rate", "a late goal"], input.GetProperty("data").EnumerateArray().Select(v => v.GetString()));
    }

    [Fact]
    public void A_classifier_is_asked_for_its_top_classes_and_its_other_outputs()
    {
        var target = new TryItTarget("fashion", 3, null, new SignatureView([new TensorSignatureView("features", "FP32", [-1, 4])],
            [new TensorSignatureView("logits", "FP32", [-1, 10]), new TensorSignatureView("embedding", "FP32", [-1, 8])]), new TryItClassifier("logits", 10), TakesText: false, "v3");
        var panel = Render(target);

        panel.Find("input#try-row").Change("1, 2, 3, 4");
        panel.Find("#try-run").Click();

        var outputs = JsonDocument.Parse(Assert.Single(_sent)).RootElement.GetProperty("outputs");
        Assert.Equal("""[{"name":"logits","parameters":{"classification":5}},{"name":"embedding"}]""", outputs.GetRawText());
    }

    [Fact]
    public void An_uploaded_idx_image_is_sent_as_one_row_of_the_image_input()
    {
        var panel = Render(s_image);

        panel.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(IdxFiles.Images([[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]], 2, 3), "two.idx"));
        panel.Find("input#try-image-number").Change("2");
        panel.Find("#try-run").Click();

        var input = JsonDocument.Parse(Assert.Single(_sent)).RootElement.GetProperty("inputs").EnumerateArray().Single();
        Assert.Equal("pixels", input.GetProperty("name").GetString());
        Assert.Equal("FP32", input.GetProperty("datatype").GetString());
        Assert.Equal([1L, 1, 2, 3], input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal([7f, 8, 9, 10, 11, 12], input.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()));
    }

    [Fact]
    public void A_flat_input_of_a_square_number_of_values_takes_an_image_row_by_row()
    {
        var panel = Render(Target(new TensorSignatureView("pixels", "FP32", [-1, 64])));
        Assert.Equal(["Image", "CSV row", "V2 JSON"], Tabs(panel));
        var pixels = Enumerable.Range(0, 64).Select(i => (byte)(i * 3)).ToArray();

        panel.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(IdxFiles.Images([pixels], 8, 8), "eight.idx"));
        panel.Find("#try-run").Click();

        var input = JsonDocument.Parse(Assert.Single(_sent)).RootElement.GetProperty("inputs")[0];
        Assert.Equal([1L, 64], input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal(pixels.Select(p => (float)p), input.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()));
    }

    [Fact]
    public void An_image_of_another_size_is_refused_naming_both_sizes()
    {
        var panel = Render(s_image);

        panel.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(IdxFiles.Images([[1, 2, 3, 4]], 2, 2), "square.idx"));
        panel.Find("#try-run").Click();

        Assert.Empty(_sent);
        Assert.Equal("'square.idx' holds 2×2 grey images; input 'pixels' takes [-1, 1, 2, 3] (one grey channel, height and width as declared).", panel.Find("#try-error").TextContent.Trim());
    }

    [Theory]
    [InlineData("1, 2, 3", "The row has 3 columns; input 'features' takes 4 (shape [-1, 4]).")]
    [InlineData("1, 2, two, 4", "Column 3 of 4 is 'two', which is not a number.")]
    public void A_row_of_the_wrong_width_or_with_a_column_that_is_not_a_number_is_refused_before_anything_runs(string row, string refusal)
    {
        var panel = Render(s_rows);

        panel.Find("input#try-row").Change(row);
        panel.Find("#try-run").Click();

        Assert.Empty(_sent);
        Assert.Equal(refusal, panel.Find("#try-error").TextContent.Trim());
    }

    [Fact]
    public void A_csv_row_is_sent_as_one_row_of_numbers()
    {
        var panel = Render(s_rows);

        panel.Find("input#try-row").Change("0.5, -1, 2e3, 7");
        panel.Find("#try-run").Click();

        var input = JsonDocument.Parse(Assert.Single(_sent)).RootElement.GetProperty("inputs")[0];
        Assert.Equal([1L, 4], input.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal([0.5, -1, 2000, 7], input.GetProperty("data").EnumerateArray().Select(v => v.GetDouble()));
    }

    [Fact]
    public void The_json_mode_starts_from_a_body_that_fits_the_signature_and_sends_what_is_pasted()
    {
        var panel = Render(s_rows);
        Choose(panel, "V2 JSON");

        var example = JsonDocument.Parse(panel.Find("textarea#try-json").GetAttribute("value") ?? panel.Find("textarea#try-json").TextContent).RootElement.GetProperty("inputs")[0];
        Assert.Equal("features", example.GetProperty("name").GetString());
        Assert.Equal([1L, 4], example.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()));
        Assert.Equal(4, example.GetProperty("data").GetArrayLength());

        const string pasted = """{"inputs":[{"name":"features","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]}],"outputs":[{"name":"logits"}]}""";
        panel.Find("textarea#try-json").Change(pasted);
        panel.Find("#try-run").Click();
        Assert.Equal(pasted, Assert.Single(_sent));
    }

    [Fact]
    public void The_error_v2_answers_is_shown_as_it_is()
    {
        _answer = TryItAnswer.Failed("Model 'fashion' version 3 has no input 'nope'; its input is 'features' (FP32 [-1,4]).");
        var panel = Render(s_rows);
        Choose(panel, "V2 JSON");

        panel.Find("textarea#try-json").Change("""{"inputs":[{"name":"nope","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]}]}""");
        panel.Find("#try-run").Click();

        Assert.Equal(_answer.Error, panel.Find("#try-error").TextContent.Trim());
        Assert.Empty(panel.FindAll("#try-answer"));
    }

    [Fact]
    public void A_request_that_fails_outside_v2_is_shown_as_an_error_and_the_panel_stays_usable()
    {
        var calls = 0;
        var panel = Context.Render<TryItPanel>(p => p
            .Add(c => c.Target, s_rows)
            .Add(c => c.Run, _ => ++calls == 1 ? throw new InvalidOperationException("the session was disposed") : Task.FromResult(_answer)));
        panel.Find("input#try-row").Change("1,2,3,4");

        panel.Find("#try-run").Click();
        Assert.Equal("The portal could not run this request: the session was disposed", panel.Find("#try-error").TextContent.Trim());

        panel.Find("#try-run").Click();
        Assert.Empty(panel.FindAll("#try-error"));
        Assert.Equal(2, calls);
    }

    [Fact]
    public void A_classifier_answer_shows_each_rows_top_classes_with_probabilities_and_every_output()
    {
        _answer = new TryItAnswer(3, [[new TryItClass(7, "Sneaker", 0.91), new TryItClass(5, "Sandal", 0.06)]],
            [new TryItOutput("logits", "FP32", [1, 10], [.. Enumerable.Range(0, 10).Select(i => i.ToString())], 10)], null);
        var panel = Render(s_rows);

        panel.Find("input#try-row").Change("1, 2, 3, 4");
        panel.Find("#try-run").Click();

        Assert.Equal("answered by v3", panel.Find("#try-answered-by").TextContent.Trim());
        Assert.Equal(["Sneaker", "Sandal"], panel.FindAll(".try-class-name").Select(c => c.TextContent.Trim()));
        Assert.Equal(["91.0%", "6.0%"], panel.FindAll(".try-class-probability").Select(c => c.TextContent.Trim().Replace(" ", "")));
        Assert.Equal("logits", panel.Find(".try-output-name").TextContent.Trim());
        Assert.Equal("0, 1, 2, 3, 4, 5, 6, 7, 8, 9", panel.Find(".try-values").TextContent.Trim());
    }

    [Fact]
    public void A_big_output_shows_its_first_values_and_says_how_many_there_are()
    {
        _answer = new TryItAnswer(3, null, [new TryItOutput("embedding", "FP32", [1, 1000], [.. Enumerable.Repeat("0.5", TryItOutput.MaxValues)], 1000)], null);
        var panel = Render(s_rows);

        panel.Find("input#try-row").Change("1, 2, 3, 4");
        panel.Find("#try-run").Click();

        Assert.EndsWith($"0.5, … (1,000 values; the first {TryItOutput.MaxValues} shown)", panel.Find(".try-values").TextContent.Trim());
    }
}
