using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Server.Components;
using Portal.Server.Datasets;
using Portal.Server.Hosting;
using Portal.Ui.Tests.Components;

namespace Portal.Ui.Tests.Datasets;

public sealed class DatasetUploadTests : ComponentContext
{
    public DatasetUploadTests()
    {
        Context.Services.AddSingleton<FeatureServices>();
        Context.Services.AddSingleton(Options.Create(new PortalOptions()));
    }

    /// <summary>Each part of a CSV upload and the element of the form that gives it.</summary>
    private static readonly Dictionary<string, string> s_csvInputs = new()
    {
        ["name"] = "input#upload-csv-name",
        ["file"] = "input#upload-csv[type=file]",
        ["labelColumn"] = "input#upload-label-column",
        ["labelColumnIndex"] = "input#upload-label-index",
        ["header"] = "#upload-header",
        ["skipLines"] = "input#upload-skip-lines",
        ["delimiter"] = "input#upload-delimiter",
        ["task"] = "#upload-task",
        ["classNames"] = "input#upload-csv-classes",
    };

    [Fact]
    public void The_csv_tab_offers_every_option_the_importer_takes()
    {
        var upload = Context.Render<DatasetUpload>();

        upload.FindAll(".mud-tab").Single(t => t.TextContent.Trim() == "CSV").Click();

        Assert.Equal(DatasetImporter.CsvFields.Concat(DatasetImporter.CsvFiles).Order(), s_csvInputs.Keys.Order());
        foreach (var (part, selector) in s_csvInputs) Assert.True(upload.FindAll(selector).Count > 0, $"The form has nothing for '{part}' ({selector}).");
    }
}
