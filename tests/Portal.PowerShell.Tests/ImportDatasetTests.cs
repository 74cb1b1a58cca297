using System.Text.Json;
using Portal.Server.Auth;

namespace Portal.PowerShell.Tests;

/// <summary>Import-PortalDataset offers every option of the CSV upload, in a real pwsh process.</summary>
public sealed class ImportDatasetTests(ModulePortal portal) : IClassFixture<ModulePortal>
{
    [Fact]
    public async Task Import_PortalDataset_passes_every_csv_option_to_the_portal()
    {
        var contributor = await portal.CreateUser(PortalRoles.Contributor);
        var name = $"cancer-{Guid.NewGuid().ToString("N")[..8]}";

        var run = await RealPwsh.RunScript("""
            Import-Module Portal -ErrorAction Stop
            Connect-Portal -Uri $env:PORTAL_URL -ApiKey $env:PORTAL_API_KEY
            Set-Content -Path ./cancer.csv -Value "# exported by a tool", "benign;0.5;1", "malignant;9;2", "benign;1;3"
            Import-PortalDataset -Name $env:DATASET -CsvPath ./cancer.csv -SkipLines 1 -Header $false -Delimiter ';' -LabelColumnIndex 0 `
                -Task classification -ClassName malignant, benign -ErrorAction Stop |
                Select-Object Name, Count, ClassNames, SampleShape, CsvOptions |
                ConvertTo-Json -Depth 4
            """, new Dictionary<string, string>
        {
            ["PORTAL_URL"] = portal.Address.ToString(),
            ["PORTAL_API_KEY"] = contributor.ApiKey,
            ["DATASET"] = name,
        });

        Assert.True(run.ExitCode == 0 && run.Errors.Trim().Length == 0, run.ToString());
        var dataset = JsonDocument.Parse(run.Output).RootElement;
        Assert.Equal((name, 3), (dataset.GetProperty("Name").GetString(), dataset.GetProperty("Count").GetInt32()));
        Assert.Equal(["malignant", "benign"], dataset.GetProperty("ClassNames").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([2], dataset.GetProperty("SampleShape").EnumerateArray().Select(e => e.GetInt32()));
        var options = dataset.GetProperty("CsvOptions");
        Assert.Equal((false, 1, ";", 0), (options.GetProperty("hasHeader").GetBoolean(), options.GetProperty("skipLines").GetInt32(),
            options.GetProperty("delimiter").GetString(), options.GetProperty("labelColumnIndex").GetInt32()));
        Assert.Equal(["malignant", "benign"], options.GetProperty("classNames").EnumerateArray().Select(e => e.GetString()));
    }
}
