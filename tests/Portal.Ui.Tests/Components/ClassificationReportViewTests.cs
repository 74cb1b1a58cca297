using System.Text.Json;
using Bunit;
using Portal.Engine.Evaluation;
using Portal.Server.Components;

namespace Portal.Ui.Tests.Components;

public sealed class ClassificationReportViewTests : ComponentContext
{
    [Fact]
    public void The_stored_report_shows_per_class_figures_and_the_confusion_matrix()
    {
        var report = ClassificationReport.Compute([0, 1, 1, 1], [0, 1, 0, 1], ["cat", "dog"]);
        var json = JsonSerializer.SerializeToElement(report, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var view = Context.Render<ClassificationReportView>(p => p.Add(c => c.Evaluation, json));

        var rows = view.FindAll("#confusion-matrix tbody tr");
        Assert.Equal(2, rows.Count);
        // Actual cat: one predicted cat, one predicted dog.
        Assert.Equal(["1", "1"], rows[0].QuerySelectorAll("td").Select(td => td.TextContent));
        Assert.Equal(["0", "2"], rows[1].QuerySelectorAll("td").Select(td => td.TextContent));
        Assert.Contains("75.00", view.Markup);
        Assert.Contains("0.667", view.Find("#class-metrics").TextContent);
    }

    [Fact]
    public void Without_a_report_it_says_so()
    {
        var view = Context.Render<ClassificationReportView>(p => p.Add(c => c.Evaluation, (JsonElement?)null));
        Assert.Contains("No evaluation report", view.Markup);
    }
}
