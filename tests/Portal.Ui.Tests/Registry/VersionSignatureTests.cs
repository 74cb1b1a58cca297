using Bunit;
using Portal.Contracts.Registry;
using Portal.Server.Registry;
using Portal.Ui.Tests.Components;

namespace Portal.Ui.Tests.Registry;

public sealed class VersionSignatureTests : ComponentContext
{
    [Fact]
    public void The_signature_lists_every_input_and_output_with_its_datatype_and_shape_with_minus_one_where_dynamic()
    {
        var signature = new SignatureView(
            [new TensorSignatureView("image", "FP32", [-1, 1, -1, -1]), new TensorSignatureView("k", "INT64", [])],
            [new TensorSignatureView("mean", "FP32", [-1, 1])]);

        var table = Context.Render<VersionSignatureTable>(p => p.Add(c => c.Signature, signature));

        Assert.Equal(["input image FP32 [-1, 1, -1, -1]", "input k INT64 []"],
            table.FindAll("tr.signature-input").Select(r => string.Join(" ", r.QuerySelectorAll("td").Select(td => td.TextContent.Trim()))));
        Assert.Equal("output mean FP32 [-1, 1]", string.Join(" ", table.Find("tr.signature-output").QuerySelectorAll("td").Select(td => td.TextContent.Trim())));
    }

    [Fact]
    public void Each_figure_not_measured_is_shown_with_its_reason()
    {
        var evidence = new EvidenceView(null, null, null, null, null, null, null, null, 1234,
            new MeasurementReport(["x=32 (not given: the default for a dynamic dimension)"], [new NotMeasuredView("latency", "the synthesized inputs did not run: bad ids")]));

        var shown = Context.Render<VersionMeasurement>(p => p.Add(c => c.Evidence, evidence));

        Assert.Equal("latency: not measured — the synthesized inputs did not run: bad ids", shown.Find(".not-measured").TextContent.Trim());
        Assert.Contains("x=32 (not given", shown.Markup);
        Assert.Contains("1,234 bytes", shown.Find("#version-size").TextContent);
    }
}
