using System.Management.Automation;
using System.Text.Json;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.PowerShell.Tests;

/// <summary>Invoke-PortalCompression in a real PowerShell engine against a real portal.</summary>
public sealed class CompressionTests(ModulePortal portal) : IClassFixture<ModulePortal>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("portal-ps-compress-").FullName;

    /// <summary>A new model whose version 1 is the tiny network trained 2 epochs on separable blobs; returns its name.</summary>
    private string TrainedModel()
    {
        var (images, labels) = Portal.Server.Tests.Datasets.IdxFiles.Separable(300, 6, 3, 21);
        var (heldImages, heldLabels) = Portal.Server.Tests.Datasets.IdxFiles.Separable(90, 6, 3, 22);
        var paths = new Dictionary<string, object?>();
        foreach (var (name, bytes) in new[] { ("images", images), ("labels", labels), ("heldImages", heldImages), ("heldLabels", heldLabels) })
        {
            var path = Path.Combine(_folder, $"{Guid.NewGuid():N}-{name}.idx");
            File.WriteAllBytes(path, bytes);
            paths[name] = path;
        }
        var model = $"psc-{Guid.NewGuid().ToString("N")[..8]}";
        paths["model"] = model;
        portal.Invoke($$"""
            $train = Import-PortalDataset -Name "$model-train" -ImagesPath $images -LabelsPath $labels -ClassName a, b, c
            $held = Import-PortalDataset -Name "$model-held" -ImagesPath $heldImages -LabelsPath $heldLabels -ClassName a, b, c
            $run = $train | Start-PortalTraining -Spec {{ModulePortal.TinySpec.Script}} -Epochs 2 -BatchSize 16 -Seed 3 | Wait-PortalRun
            New-PortalModel -Name $model | Out-Null
            $run | Register-PortalModelVersion -Model $model -EvaluationDatasetId $held.Id | Out-Null
            """, paths);
        return model;
    }

    /// <summary>A property of an object the module wrote (its JSON arrives as objects: <c>$version.Spec.layers</c>).</summary>
    private static object? Member(object? value, string name) => PSObject.AsPSObject(value).Properties[name].Value;

    private async Task<int> CompressionCount(string model)
    {
        var admin = await portal.AdminClient(); // the factory's own client, not ours to dispose
        return (await admin.GetJson<JsonElement>($"/api/v1/models/{model}/compressions")).GetProperty("total").GetInt32();
    }

    [Fact]
    public async Task WhatIf_queues_no_compression_and_tells_the_host_while_NoWait_returns_the_queued_compression()
    {
        await portal.ConnectAs(PortalRoles.Contributor);
        var model = TrainedModel();
        portal.Host.Clear();

        var whatIf = portal.Run("Get-PortalModelVersion -Model $model -Version 1 | Invoke-PortalCompression -Prune -Sparsity 0.5 -WhatIf", new() { ["model"] = model });

        Assert.Empty(whatIf.Errors);
        Assert.Empty(whatIf.Output);
        var line = Assert.Single(portal.Host.Lines, l => l.StartsWith("What if:", StringComparison.Ordinal));
        Assert.Contains($"version 1 of '{model}'", line);
        Assert.Contains("prune-unstructured to sparsity 0.5", line);
        Assert.Equal(0, await CompressionCount(model));

        var queued = portal.Invoke("Invoke-PortalCompression -Model $model -Version 1 -Quantize -CalibrationSamples 32 -NoWait", new() { ["model"] = model }).Single();
        Assert.Equal(("quantize-int8", 1), ((string)queued.Properties["Method"].Value, (int)queued.Properties["ParentVersion"].Value));
        Assert.Equal(1, await CompressionCount(model));
    }

    [Fact]
    public async Task A_quantization_piped_from_Get_PortalModelVersion_returns_a_derived_version_of_the_input_with_live_progress()
    {
        await portal.ConnectAs(PortalRoles.Contributor);
        var model = TrainedModel();
        var parent = portal.Invoke("Get-PortalModelVersion -Model $model -Version 1", new() { ["model"] = model }).Single();

        var result = portal.Run("$parent | Invoke-PortalCompression -Quantize -CalibrationSamples 64 -TolerancePoints 100", new() { ["parent"] = parent });

        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        var version = result.Output.Single();
        Assert.Equal("Portal.Contracts.Registry.VersionView", version.TypeNames[0]);
        Assert.Equal(2, (int)version.Properties["Number"].Value);
        var lineage = PSObject.AsPSObject(version.Properties["Lineage"].Value);
        Assert.Equal("Derived", (string)lineage.Properties["Source"].Value);
        Assert.Equal((Guid)parent.Properties["Id"].Value, (Guid?)lineage.Properties["ParentVersionId"].Value);
        Assert.Equal(1, (int?)lineage.Properties["ParentVersion"].Value);
        var compressing = result.Progress.Where(p => p.Activity.StartsWith($"Compressing {model} v1 (quantize-int8)", StringComparison.Ordinal)).ToList();
        // Queued, then the engine's stages (parent accuracy, calibration, quantisation, measuring …), then done.
        Assert.True(compressing.Count(p => p.RecordType == ProgressRecordType.Processing) >= 3, string.Join(" | ", compressing.Select(p => p.StatusDescription)));
        Assert.Contains(compressing, p => p.PercentComplete == 100);
        Assert.Equal(ProgressRecordType.Completed, compressing[^1].RecordType);
    }

    [Fact]
    public async Task Activations_Dynamic_makes_an_int8_version_whose_inputs_are_quantised_at_run_time()
    {
        await portal.ConnectAs(PortalRoles.Contributor);
        var model = TrainedModel();

        var result = portal.Run("Invoke-PortalCompression -Model $model -Version 1 -Quantize -Activations Dynamic -TolerancePoints 100", new() { ["model"] = model });

        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        Assert.Equal(2, (int)result.Output.Single().Properties["Number"].Value);
        var admin = await portal.AdminClient();
        var version = await admin.GetJson<JsonElement>($"/api/v1/models/{model}/versions/2");
        Assert.Equal("Dynamic", version.GetProperty("lineage").GetProperty("recipe").GetProperty("activations").GetString());
        Assert.Equal("u8s8-w7-dynamic", version.GetProperty("evidence").GetProperty("compression").GetProperty("quantization").GetProperty("form").GetString());
    }

    [Fact]
    public async Task Pruning_with_fine_tuning_shows_its_training_steps_as_a_rising_progress_bar()
    {
        await portal.ConnectAs(PortalRoles.Contributor);
        var model = TrainedModel();

        var result = portal.Run("Invoke-PortalCompression -Model $model -Version 1 -Prune -Structured -Ratio 0.5 -FineTuneEpochs 2 -BatchSize 16", new() { ["model"] = model });

        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        var version = result.Output.Single();
        var layers = (object[])Member(Member(version, "Spec"), "layers")!;
        Assert.Equal(8L, Member(layers[0], "outFeatures"));
        var steps = result.Progress.Where(p => p.StatusDescription.Contains("step ", StringComparison.Ordinal)).Select(p => p.PercentComplete).ToList();
        Assert.True(steps.Count >= 10, $"only {steps.Count} step records");
        Assert.Equal(steps.Order(), steps);
        Assert.Equal(90, steps[^1]);
    }

    [Fact]
    public async Task A_distillation_takes_its_student_as_a_hashtable_and_returns_the_student_as_the_new_version()
    {
        await portal.ConnectAs(PortalRoles.Contributor);
        var model = TrainedModel();

        var result = portal.Run("""
            $student = @{ name = 'tiny-student'; inputShape = @(36); layers = @(@{ type = 'linear'; outFeatures = 8 }, @{ type = 'relu' }, @{ type = 'linear'; outFeatures = 3 }) }
            Invoke-PortalCompression -Model $model -Version 1 -Distill -Student $student -Epochs 1 -BatchSize 32 -Alpha 0.3 -Temperature 2
            """, new() { ["model"] = model });

        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        var version = result.Output.Single();
        Assert.Equal("tiny-student", Member(Member(version, "Spec"), "name"));
        var recipe = Member(Member(version, "Lineage"), "Recipe");
        Assert.Equal(("distill", 0.3, 2.0), (Member(recipe, "method"), Convert.ToDouble(Member(recipe, "alpha")), Convert.ToDouble(Member(recipe, "temperature"))));
        Assert.Contains(result.Progress, p => p.StatusDescription.Contains("step ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_sparsity_out_of_range_is_an_error_record_with_the_servers_message_and_queues_nothing()
    {
        await portal.ConnectAs(PortalRoles.Contributor);
        var model = TrainedModel();

        var result = portal.Run("Invoke-PortalCompression -Model $model -Version 1 -Prune -Sparsity 1.5", new() { ["model"] = model });

        Assert.Empty(result.Output);
        var error = Assert.Single(result.Errors);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.StartsWith("Portal400", error.FullyQualifiedErrorId);
        Assert.Equal($"{model} v1", error.TargetObject);
        Assert.Contains("Sparsity must be in (0, 1), not 1.5", error.Exception.Message);
        Assert.Equal(0, await CompressionCount(model));

        // Settings of the other kind of pruning are refused before anything is sent.
        var mixed = portal.Run("Invoke-PortalCompression -Model $model -Version 1 -Prune -Structured -Sparsity 0.5", new() { ["model"] = model });
        Assert.Equal(ErrorCategory.InvalidArgument, Assert.Single(mixed.Errors).CategoryInfo.Category);
        Assert.Contains("-Sparsity", mixed.Errors[0].Exception.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
