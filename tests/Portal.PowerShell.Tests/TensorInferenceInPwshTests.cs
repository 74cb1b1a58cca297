using Portal.Server.Auth;
using Portal.Server.Tests.Serving;
using Xunit.Abstractions;

namespace Portal.PowerShell.Tests;

/// <summary>Invoke-PortalInference -Inputs in a real pwsh: named tensors of several datatypes in, typed outputs out.</summary>
public sealed class TensorInferenceInPwshTests(ModulePortal portal, ITestOutputHelper log) : IClassFixture<ModulePortal>
{
    [Fact]
    public async Task Named_inputs_of_two_datatypes_give_typed_outputs_all_or_the_ones_asked_for()
    {
        var model = await ServedFiles.Serve(portal, [ProtocolModels.TwoInTwoOut()], []);
        var scalar = await ServedFiles.Serve(portal, [ProtocolModels.ScalarInt64()], []);
        var viewer = await portal.CreateUser(PortalRoles.Viewer);

        var run = await RealPwsh.RunScript($$"""
            Import-Module Portal -ErrorAction Stop
            Connect-Portal -Uri $env:PORTAL_URL -ApiKey $env:PORTAL_API_KEY -ErrorAction Stop
            $all = Invoke-PortalInference -Model {{model}} -Inputs @{ features = @(@(1, 2, 3), @(4, 5, 6)); counts = @(10, -1) } -ErrorAction Stop
            foreach ($o in $all) { "all: $($o.Name) $($o.Datatype) [$($o.Shape -join ',')] $($o.Values.GetType().Name) $($o.Values -join ',')" }
            $one = Invoke-PortalInference -Model {{model}} -Inputs @{ features = @(1.5, 2, 3); counts = @(, 2) } -Output doubled -ErrorAction Stop
            "one: $(@($one).Count) $($one.Name) $($one.Values -join ',')"
            $tripled = Invoke-PortalInference -Model {{scalar}} -Inputs @{ k = 7 } -ErrorAction Stop
            "scalar: [$($tripled.Shape -join ',')] $($tripled.Values -join ',')"
            Invoke-PortalInference -Model {{model}} -Inputs @{ features = @(1, 2, 3); counts = @(, 2.5) } -ErrorAction SilentlyContinue -ErrorVariable refused | Out-Null
            "refused: $($refused[0].Exception.Message)"
            """, new Dictionary<string, string> { ["PORTAL_URL"] = portal.Address.ToString(), ["PORTAL_API_KEY"] = viewer.ApiKey });
        log.WriteLine(run.ToString());

        Assert.True(run.ExitCode == 0 && run.Errors.Trim().Length == 0, run.ToString());
        Assert.Equal(["shifted FP32 [2,3] Single[] 11,12,13,3,4,5", "doubled INT64 [2] Int64[] 20,-2"], Said(run, "all"));
        Assert.Equal(["1 doubled 4"], Said(run, "one"));
        Assert.Equal(["[] 21"], Said(run, "scalar"));
        Assert.Contains("Value 0 of input 'counts' is 2.5, not a whole number", Assert.Single(Said(run, "refused")));
    }

    private static List<string> Said(PwshRun run, string label) =>
        [.. run.Lines.Where(l => l.StartsWith(label + ": ", StringComparison.Ordinal)).Select(l => l[(label.Length + 2)..].Trim())];
}
