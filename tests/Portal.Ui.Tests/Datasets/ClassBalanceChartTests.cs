using Bunit;
using Portal.Server.Datasets;
using Portal.Ui.Tests.Components;

namespace Portal.Ui.Tests.Datasets;

public sealed class ClassBalanceChartTests : ComponentContext
{
    [Fact]
    public void Class_names_are_drawn_as_the_axis_labels_text_even_when_they_are_markup()
    {
        const string markup = "<img src=x onerror=\"window.__portalXss=1\"><script>window.__portalXss=1</script>";
        var chart = Context.Render<ClassBalanceChart>(p => p.Add(c => c.Classes, [new("T-shirt & top", 6000), new(markup, 5)]));

        Assert.Empty(chart.FindAll("img"));
        Assert.Empty(chart.FindAll("script"));
        var labels = chart.FindAll(".mud-charts-xaxis text").Select(t => t.TextContent).ToList();
        Assert.Equal(["T-shirt & top", markup], labels);
    }
}
