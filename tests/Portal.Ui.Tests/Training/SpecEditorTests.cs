using Bunit;
using Portal.Engine.Models;
using Portal.Server.Training;
using Portal.Ui.Tests.Components;

namespace Portal.Ui.Tests.Training;

public sealed class SpecEditorTests : ComponentContext
{
    private const string ResidualSpec = """
        {"name":"res","inputShape":[8],"layers":[
          {"type":"linear","outFeatures":4},
          {"type":"residual","body":[{"type":"linear","outFeatures":4},{"type":"relu"}]},
          {"type":"linear","outFeatures":2}]}
        """;

    private const string BrokenInsideTheBlock = """
        {"name":"res","inputShape":[8],"layers":[
          {"type":"linear","outFeatures":4},
          {"type":"residual","body":[{"type":"linear","outFeatures":4},{"type":"conv2d","outChannels":8,"kernelSize":3}]},
          {"type":"linear","outFeatures":2}]}
        """;

    [Fact]
    public void A_valid_spec_shows_every_block_with_its_output_and_parameters_and_the_total()
    {
        var editor = Context.Render<SpecEditor>(p => p.Add(c => c.Form, new NewRunForm { ReadySpec = null, SpecJson = ResidualSpec }));

        Assert.Contains("The engine accepts this spec.", editor.Find("#spec-ok").TextContent);
        var rows = editor.FindAll("#run-spec-shapes tr.spec-block").Select(r => r.TextContent).ToList();
        Assert.Equal(["layers[0]", "layers[1]", "layers[1].body[0]", "layers[1].body[1]", "layers[2]"],
            rows.Select(r => r.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0].Split('\n')[0]));
        Assert.Contains("residual", rows[1]);
        Assert.Contains("20", rows[2]);
        var total = ModelSpec.FromJson(ResidualSpec).ParameterCount;
        Assert.Equal(total.ToString("N0"), editor.Find("#run-spec-shapes .spec-total").TextContent.Trim());
    }

    [Fact]
    public void Typing_a_spec_the_engine_refuses_shows_its_complaint_naming_the_block_path_and_drops_the_report()
    {
        var form = new NewRunForm { ReadySpec = null, SpecJson = ResidualSpec };
        var editor = Context.Render<SpecEditor>(p => p.Add(c => c.Form, form));

        editor.Find("textarea").Input(BrokenInsideTheBlock);

        editor.WaitForAssertion(() => Assert.Contains("layers[1].body[1] (conv2d)", editor.Find(".mud-input-error").TextContent), TimeSpan.FromSeconds(5));
        Assert.Empty(editor.FindAll("#run-spec-shapes"));
        Assert.Empty(editor.FindAll("#spec-ok"));
    }

    [Fact]
    public void Choosing_a_ready_spec_shows_its_blocks()
    {
        var editor = Context.Render<SpecEditor>(p => p.Add(c => c.Form, new NewRunForm()));

        var last = ReadySpecs.All[^1];
        editor.FindAll("#run-spec-choice label").Single(l => l.TextContent.Contains($"{last.Name} (", StringComparison.Ordinal)).QuerySelector("input")!.Click();

        editor.WaitForAssertion(() => Assert.Equal(last.ParameterCount.ToString("N0"), editor.Find("#run-spec-shapes .spec-total").TextContent.Trim()));
        Assert.Equal(last.Infer().Blocks.Count, editor.FindAll("#run-spec-shapes tr.spec-block").Count);
    }
}
