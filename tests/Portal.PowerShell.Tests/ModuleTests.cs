using System.Management.Automation;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Portal.PowerShell.Tests;

/// <summary>The module as PowerShell sees it: its manifest, its commands, their help and their common parameters.</summary>
public sealed class ModuleTests(ModulePortal portal) : IClassFixture<ModulePortal>
{
    // Cmdlets that only read or wait; every other one changes something and must support -WhatIf/-Confirm.
    private static readonly string[] s_readers =
        ["Connect-Portal", "Disconnect-Portal", "Get-PortalApiKey", "Get-PortalAuditEvent", "Get-PortalDataset", "Get-PortalDeploymentMetric", "Get-PortalModel",
         "Get-PortalModelVersion", "Get-PortalPromotion", "Get-PortalRun", "Invoke-PortalInference", "Wait-PortalRun", "Watch-PortalRun"];

    private IReadOnlyList<string> AssemblyCmdlets()
    {
        var assembly = (Assembly)portal.Invoke("(Get-Module Portal).ImplementingAssembly").Single().BaseObject;
        return [.. assembly.GetTypes().Select(t => t.GetCustomAttribute<CmdletAttribute>()).OfType<CmdletAttribute>()
            .Select(c => $"{c.VerbName}-{c.NounName}").Order(StringComparer.Ordinal)];
    }

    [Fact]
    public void Test_ModuleManifest_passes_and_lists_exactly_the_cmdlets_the_assembly_defines()
    {
        _ = portal.Runspace;
        var manifest = portal.Invoke("Test-ModuleManifest -Path $path", new() { ["path"] = ModulePortal.ModuleManifest }).Single();
        var exported = ((System.Collections.IDictionary)manifest.Properties["ExportedCmdlets"].Value).Keys.Cast<string>().Order(StringComparer.Ordinal).ToList();

        Assert.Equal(AssemblyCmdlets(), exported);
        Assert.Equal(new Version(7, 4), (Version)manifest.Properties["PowerShellVersion"].Value);
        Assert.Equal(["Core"], ((IEnumerable<string>)manifest.Properties["CompatiblePSEditions"].Value).ToList());
        Assert.Equal(exported, portal.Invoke("Get-Command -Module Portal | Select-Object -ExpandProperty Name").Select(o => (string)o.BaseObject).Order(StringComparer.Ordinal));
        // Every cmdlet the issue names is there.
        string[] required = ["Connect-Portal", "Disconnect-Portal", "Get-PortalDataset", "Import-PortalDataset", "Start-PortalTraining", "Get-PortalRun",
            "Wait-PortalRun", "Watch-PortalRun", "Stop-PortalRun", "Get-PortalModel", "Get-PortalModelVersion", "Submit-PortalPromotion", "Get-PortalPromotion",
            "Approve-PortalPromotion", "Deny-PortalPromotion", "Undo-PortalPromotion", "Invoke-PortalInference", "Get-PortalDeploymentMetric",
            "Get-PortalAuditEvent", "New-PortalApiKey", "Remove-PortalApiKey", "Invoke-PortalCompression"];
        Assert.Empty(required.Except(exported));
    }

    [Fact]
    public void README_names_every_cmdlet_of_the_manifest_and_their_number()
    {
        var manifest = File.ReadAllText(ModulePortal.ModuleManifest);
        var exported = Regex.Matches(manifest, @"^\s+'(?<name>\w+-\w+)'\s*$", RegexOptions.Multiline)
            .Select(m => m.Groups["name"].Value).ToList();
        var readme = File.ReadAllText(Path.Combine(ModulePortal.RepositoryRoot, "README.md"));

        Assert.Contains($"The module's {exported.Count} cmdlets:", readme);
        Assert.All(exported, name => Assert.Contains($"`{name}`", readme));
    }

    [Fact]
    public void Every_cmdlet_uses_an_approved_verb_and_every_change_supports_WhatIf_and_Confirm()
    {
        _ = portal.Runspace;
        var approved = portal.Invoke("Get-Verb | Select-Object -ExpandProperty Verb").Select(o => (string)o.BaseObject).ToHashSet();
        Assert.Contains("Approve", approved);
        foreach (var name in AssemblyCmdlets())
        {
            Assert.Contains(name.Split('-')[0], approved);
            var parameters = portal.Invoke("(Get-Command $name).Parameters.Keys", new() { ["name"] = name }).Select(o => (string)o.BaseObject).ToList();
            if (s_readers.Contains(name)) continue;
            Assert.True(parameters.Contains("WhatIf") && parameters.Contains("Confirm"), $"{name} changes something but has no -WhatIf/-Confirm");
        }
    }

    [Fact]
    public void Get_Help_describes_every_cmdlet_with_its_syntax()
    {
        _ = portal.Runspace;
        foreach (var name in AssemblyCmdlets())
        {
            var help = portal.Invoke("Get-Help $name -Full", new() { ["name"] = name }).Single();
            Assert.Equal(name, (string)help.Properties["Name"].Value);
            // A cmdlet without a help file gets its syntax as synopsis; the module's help says what the cmdlet does.
            var synopsis = help.Properties["Synopsis"]?.Value?.ToString() ?? "";
            Assert.False(synopsis.StartsWith(name, StringComparison.OrdinalIgnoreCase) || synopsis.Length < 15, $"{name} has no synopsis of its own: '{synopsis}'");
            var example = portal.Invoke("(Get-Help $name -Examples).examples.example | ForEach-Object { $_.code }", new() { ["name"] = name });
            Assert.Contains(example, e => e.ToString().Contains(name.Split('-')[1], StringComparison.Ordinal));
            Assert.NotEmpty(portal.Invoke("Get-Command $name -Syntax", new() { ["name"] = name }));
        }
        var about = portal.Invoke("Get-Help about_Portal | ForEach-Object { $_ }");
        Assert.Contains("Connect-Portal", string.Join("\n", about.Select(o => o.ToString())));
    }

    [Fact]
    public void The_client_and_its_libraries_load_in_the_modules_own_context_so_other_versions_cannot_clash()
    {
        _ = portal.Runspace;
        portal.Invoke("Disconnect-Portal"); // runs module code, so the client is loaded

        var client = AppDomain.CurrentDomain.GetAssemblies().Single(a => a.GetName().Name == "Portal.Client");
        var context = System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(client)!;
        Assert.Equal("Portal", context.Name);
        var lib = Path.Combine(Path.GetDirectoryName(ModulePortal.ModuleManifest)!, "lib");
        Assert.Equal(Path.Combine(lib, "Portal.Client.dll"), client.Location);
        var json = context.Assemblies.Single(a => a.GetName().Name == "System.Text.Json");
        Assert.Equal(Path.Combine(lib, "System.Text.Json.dll"), json.Location);
        Assert.Equal(System.Runtime.Loader.AssemblyLoadContext.Default, System.Runtime.Loader.AssemblyLoadContext.GetLoadContext((Assembly)portal.Invoke("(Get-Module Portal).ImplementingAssembly").Single().BaseObject));
    }

    [Fact]
    public void A_cmdlet_used_before_Connect_Portal_fails_with_a_connection_error_that_says_what_to_do()
    {
        _ = portal.Runspace;
        portal.Invoke("Disconnect-Portal");

        var result = portal.Run("Get-PortalModel");

        var error = Assert.Single(result.Errors);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Contains("run Connect-Portal", error.Exception.Message);
    }
}
