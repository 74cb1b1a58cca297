using Bunit;
using Portal.Contracts.Datasets;
using Portal.Server.Datasets;
using Portal.Ui.Tests.Components;

namespace Portal.Ui.Tests.Datasets;

public sealed class TextStatisticsPanelTests : ComponentContext
{
    private static TextStatisticsView Statistics() => new(
        Guid.NewGuid(), "reviews-test", 3, new TextLengthsView(2, 5, 9, 9, 9, 5.3), [new(0, 4, 1), new(5, 9, 2)],
        16, 4, 0.75, 10, 0.6, 120, [new ClassCountView("bad", 1), new ClassCountView("good", 2)]);

    [Fact]
    public void Lengths_histogram_and_coverage_are_shown()
    {
        var panel = Context.Render<TextStatisticsPanel>(p => p.Add(c => c.Statistics, Statistics()));

        Assert.Equal(["2", "5", "9", "9", "9", "5.3"], panel.FindAll("#text-lengths tbody td").Select(td => td.TextContent));
        Assert.Equal(["0–4", "1", "5–9", "2"], panel.FindAll("#text-length-histogram tbody td").Select(td => td.TextContent));
        var coverage = panel.Find("#text-coverage").TextContent;
        Assert.Contains("75.0 %", coverage);
        Assert.Contains("4 unknown", coverage);
        Assert.Contains("60.0 %", coverage);
        Assert.Empty(panel.FindAll("#first-texts"));
    }

    [Fact]
    public void First_texts_are_rendered_as_text_even_when_they_are_markup()
    {
        const string markup = "<img src=x onerror=\"window.__portalXss=1\">";
        var panel = Context.Render<TextStatisticsPanel>(p => p
            .Add(c => c.Statistics, Statistics())
            .Add(c => c.FirstTexts, [new DatasetPreview.TextSample("good", markup)]));

        Assert.Empty(panel.FindAll("img"));
        Assert.Equal(["good", markup], panel.FindAll("#first-texts td").Select(td => td.TextContent));
    }
}
