using System.Management.Automation;
using Portal.Server.Auth;

namespace Portal.PowerShell.Tests;

/// <summary>Start-PortalTraining -FromModel/-FromVersion in a real PowerShell engine against a real portal, with a spec of nested hashtables.</summary>
public sealed class FineTuningTests(ModulePortal portal) : IClassFixture<ModulePortal>, IDisposable
{
    // A residual block as a user writes it: hashtables inside an array inside a hashtable inside an array. Its body
    // ends in a linear layer: ResidualModule adds the skip in place, which autograd refuses after a ReLU.
    private const string ResidualSpec = """
        function Spec([int] $classes) {
            @{ name = 'tiny-res'; inputShape = @(36); layers = @(
                @{ type = 'linear'; outFeatures = 16 },
                @{ type = 'residual'; body = @(@{ type = 'linear'; outFeatures = 16 }, @{ type = 'relu' }, @{ type = 'linear'; outFeatures = 16 }) },
                @{ type = 'linear'; outFeatures = $classes }) }
        }
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("portal-ps-finetune-").FullName;

    [Fact]
    public async Task A_run_started_with_FromVersion_fine_tunes_that_version_on_other_classes_and_names_it_as_its_lineage()
    {
        await portal.ConnectAs(PortalRoles.Contributor);
        var model = RegisteredParent("psf", 31);
        var data = new Dictionary<string, object?> { ["model"] = model, ["two"] = Idx(Portal.Server.Tests.Datasets.IdxFiles.Separable(160, 6, 2, 32)) };

        var result = portal.Run(ResidualSpec + """

            $two = Import-PortalDataset -Name "$model-two" -ImagesPath $two[0] -LabelsPath $two[1] -ClassName x, y
            $two | Start-PortalTraining -Spec (Spec 2) -FromModel $model -FromVersion 1 -FreezeBody -Epochs 1 -BatchSize 16 -WhatIf
            $two | Start-PortalTraining -Spec (Spec 2) -FromModel $model -FromVersion 1 -FreezeBody -Epochs 1 -BatchSize 16 | Wait-PortalRun
            """, data);

        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        var run = result.Output.Single();
        Assert.Equal("Succeeded", run.Properties["State"].Value.ToString());
        var from = PSObject.AsPSObject(run.Properties["FineTunedFrom"].Value);
        Assert.Equal((model, 1, true), ((string)from.Properties["Model"].Value, (int)from.Properties["Version"].Value, (bool)from.Properties["FreezeBody"].Value));
        var layers = (object[])Member(Member(run, "Spec"), "layers")!;
        Assert.Equal("residual", Member(layers[1], "type"));
        Assert.Equal(16L, Member(((object[])Member(layers[1], "body")!)[0], "outFeatures"));
        Assert.Contains(portal.Host.Lines, l => l.StartsWith("What if:", StringComparison.Ordinal) && l.Contains($"fine-tuning {model} v1 (head only)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_spec_that_is_not_the_versions_is_an_error_record_naming_the_layer()
    {
        await portal.ConnectAs(PortalRoles.Contributor);
        var model = RegisteredParent("psm", 33);
        var data = new Dictionary<string, object?> { ["model"] = model };

        var result = portal.Run(ResidualSpec + """

            $spec = Spec 3
            $spec.layers[1].body[0].outFeatures = 12
            Get-PortalDataset -Name "$model-train" | Start-PortalTraining -Spec $spec -FromModel $model -FromVersion 1
            """, data);

        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("Portal400", error.FullyQualifiedErrorId);
        Assert.Contains("layers[1].body[0]", error.Exception.Message);
    }

    /// <summary>A new model whose version 1 is the residual spec trained one epoch on three separable classes; returns its name.</summary>
    private string RegisteredParent(string prefix, int seed)
    {
        var model = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        portal.Invoke(ResidualSpec + """

            $train = Import-PortalDataset -Name "$model-train" -ImagesPath $train[0] -LabelsPath $train[1] -ClassName a, b, c
            $held = Import-PortalDataset -Name "$model-held" -ImagesPath $held[0] -LabelsPath $held[1] -ClassName a, b, c
            $run = $train | Start-PortalTraining -Spec (Spec 3) -Epochs 1 -BatchSize 16 -Seed 3 | Wait-PortalRun
            New-PortalModel -Name $model | Out-Null
            $run | Register-PortalModelVersion -Model $model -EvaluationDatasetId $held.Id | Out-Null
            """, new()
        {
            ["model"] = model,
            ["train"] = Idx(Portal.Server.Tests.Datasets.IdxFiles.Separable(180, 6, 3, seed)),
            ["held"] = Idx(Portal.Server.Tests.Datasets.IdxFiles.Separable(60, 6, 3, seed + 100)),
        });
        return model;
    }

    private string[] Idx((byte[] Images, byte[] Labels) files)
    {
        var paths = new[] { Path.Combine(_folder, $"{Guid.NewGuid():N}-images.idx"), Path.Combine(_folder, $"{Guid.NewGuid():N}-labels.idx") };
        File.WriteAllBytes(paths[0], files.Images);
        File.WriteAllBytes(paths[1], files.Labels);
        return paths;
    }

    private static object? Member(object? value, string name) => PSObject.AsPSObject(value).Properties[name].Value;

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
