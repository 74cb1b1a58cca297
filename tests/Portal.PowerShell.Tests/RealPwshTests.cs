using System.Text.Json;
using System.Text.RegularExpressions;
using Portal.Server.Auth;
using Xunit.Abstractions;

namespace Portal.PowerShell.Tests;

/// <summary>The module as a user meets it: README's script and Get-Help in a real pwsh 7.6.10 process, against a real portal.</summary>
public sealed partial class RealPwshTests(ModulePortal portal, ITestOutputHelper log) : IClassFixture<ModulePortal>
{
    [Fact]
    public async Task The_README_script_runs_green_in_a_real_pwsh_process()
    {
        var contributor = await portal.CreateUser(PortalRoles.Contributor);
        var approver = await portal.CreateUser(PortalRoles.Approver);

        var run = await RealPwsh.RunScript(ReadmeScript.FromPowerShellSection(), new Dictionary<string, string>
        {
            ["PORTAL_URL"] = portal.Address.ToString(),
            ["PORTAL_API_KEY"] = contributor.ApiKey,
            ["PORTAL_APPROVER_KEY"] = approver.ApiKey,
        });
        log.WriteLine($"README's script in pwsh: {run.Elapsed.TotalSeconds:0.0} s\n{run.Output}");

        Assert.True(run.ExitCode == 0 && run.Errors.Trim().Length == 0, run.ToString());
        // What the user reads: the line about the int8 copy (the second version, derived from the first), the approved
        // request (a table, the first object printed), the prediction through production and the deployment's figures.
        Assert.Contains(run.Lines, l => Int8Line().IsMatch(l));
        var printed = PrintedObjects.Read(run.Output);
        var promotion = Assert.Single(printed, o => o.ContainsKey("Approvals"));
        Assert.Equal(("production", "1", "Approved"), (promotion["Alias"], promotion["Version"], promotion["State"]));
        var prediction = Assert.Single(printed, o => o.ContainsKey("Class"));
        Assert.Equal((promotion["Model"], "1"), (prediction["Model"], prediction["Version"]));
        Assert.InRange(int.Parse(prediction["Class"], System.Globalization.CultureInfo.InvariantCulture), 0, 9);
        var served = Assert.Single(printed, o => o.ContainsKey("RequestsPerSecond"));
        Assert.Equal((promotion["Model"], "production", "1"), (served["Model"], served["Alias"], served["Version"]));
    }

    [Fact]
    public async Task Get_Help_in_pwsh_shows_a_synopsis_every_parameter_and_an_example_for_every_cmdlet()
    {
        var run = await RealPwsh.RunScript("""
            Import-Module Portal -ErrorAction Stop
            $common = [System.Management.Automation.Cmdlet]::CommonParameters
            [pscustomobject]@{
                Version        = $PSVersionTable.PSVersion.ToString()
                Cmdlets        = @(Get-Command -Module Portal | Sort-Object Name | ForEach-Object {
                    [pscustomobject]@{
                        Name       = $_.Name
                        Parameters = @($_.Parameters.Keys | Where-Object { $_ -notin $common })
                        Help       = Get-Help $_.Name -Full | Out-String -Width 120
                    }
                })
                TimeoutSeconds = Get-Help Wait-PortalRun -Parameter TimeoutSeconds | Out-String -Width 120
            } | ConvertTo-Json -Depth 3
            """);
        log.WriteLine($"Get-Help of every cmdlet in pwsh: {run.Elapsed.TotalSeconds:0.0} s");

        Assert.True(run.ExitCode == 0 && run.Errors.Trim().Length == 0, run.ToString());
        var result = JsonDocument.Parse(run.Output).RootElement;
        Assert.Equal("7.6.10", result.GetProperty("Version").GetString());
        var cmdlets = result.GetProperty("Cmdlets").EnumerateArray().ToList();
        Assert.NotEmpty(cmdlets);
        foreach (var cmdlet in cmdlets)
        {
            var name = cmdlet.GetProperty("Name").GetString()!;
            var help = cmdlet.GetProperty("Help").GetString()!.Replace("\r\n", "\n", StringComparison.Ordinal);
            var synopsis = Section(help, "SYNOPSIS");
            // Without a help file Get-Help shows the syntax as the synopsis.
            Assert.False(synopsis.Length < 15 || synopsis.StartsWith(name, StringComparison.OrdinalIgnoreCase), $"{name} has no synopsis of its own:\n{help}");
            Assert.NotEmpty(Section(help, "DESCRIPTION"));
            Assert.Contains(name, Section(help, "SYNTAX"));
            var parameters = Section(help, "PARAMETERS");
            foreach (var parameter in cmdlet.GetProperty("Parameters").EnumerateArray().Select(p => p.GetString()!))
            {
                Assert.True(Regex.IsMatch(parameters, $@"^-{parameter}( <| \[<|$)", RegexOptions.Multiline), $"{name}: Get-Help -Full lists no -{parameter}:\n{help}");
            }
            Assert.NotEmpty(Section(help, "INPUTS"));
            Assert.NotEmpty(Section(help, "OUTPUTS"));
            var example = help.IndexOf("-------------------------- Example 1 --------------------------", StringComparison.Ordinal);
            Assert.True(example >= 0 && help.IndexOf(name, example, StringComparison.Ordinal) > example, $"{name} has no example:\n{help}");
        }
        var timeout = result.GetProperty("TimeoutSeconds").GetString()!;
        Assert.Contains("-TimeoutSeconds <Int32>", timeout);
        Assert.Contains("Seconds to wait at most", timeout);
    }

    /// <summary>The text under a heading of Get-Help's output (a line in capitals at the margin), up to the next heading.</summary>
    private static string Section(string help, string heading)
    {
        var match = Regex.Match(help, $@"^{heading}\n(?<body>.*?)(?=^[A-Z][A-Z ]+\n|\z)", RegexOptions.Multiline | RegexOptions.Singleline);
        Assert.True(match.Success, $"No {heading} in:\n{help}");
        return string.Join("\n", match.Groups["body"].Value.Split('\n').Select(l => l.Trim())).Trim();
    }

    [GeneratedRegex(@"^version 2 \(int8, from 1\): accuracy 0\.\d+ vs 0\.\d+$")]
    private static partial Regex Int8Line();
}
