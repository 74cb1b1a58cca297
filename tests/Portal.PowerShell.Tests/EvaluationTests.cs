using System.Management.Automation;
using System.Text.Json;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.PowerShell.Tests;

/// <summary>Export-PortalRun and Start-PortalEvaluation in a real PowerShell engine against a real portal.</summary>
public sealed class EvaluationTests(ModulePortal portal) : IClassFixture<ModulePortal>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("portal-ps-evaluate-").FullName;

    /// <summary>A run of the tiny network (2 epochs on separable blobs) registered as version 1 of a new model, and the held-out data.</summary>
    private (string Model, Guid RunId, Guid HeldOutId) TrainedModel()
    {
        var variables = new Dictionary<string, object?>();
        foreach (var (name, count, seed) in new[] { ("train", 300, 41), ("held", 90, 42) })
        {
            var (images, labels) = Portal.Server.Tests.Datasets.IdxFiles.Separable(count, 6, 3, seed);
            variables[$"{name}Images"] = Write($"{name}-images.idx", images);
            variables[$"{name}Labels"] = Write($"{name}-labels.idx", labels);
        }
        var model = $"pse-{Guid.NewGuid().ToString("N")[..8]}";
        variables["model"] = model;
        var ids = portal.Invoke($$"""
            $train = Import-PortalDataset -Name "$model-train" -ImagesPath $trainImages -LabelsPath $trainLabels -ClassName a, b, c
            $held = Import-PortalDataset -Name "$model-held" -ImagesPath $heldImages -LabelsPath $heldLabels -ClassName a, b, c
            $run = $train | Start-PortalTraining -Spec {{ModulePortal.TinySpec.Script}} -Epochs 2 -BatchSize 16 -Seed 3 | Wait-PortalRun
            New-PortalModel -Name $model | Out-Null
            $run | Register-PortalModelVersion -Model $model -EvaluationDatasetId $held.Id | Out-Null
            $run.Id
            $held.Id
            """, variables);
        return (model, (Guid)ids[0].BaseObject, (Guid)ids[1].BaseObject);
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_folder, $"{Guid.NewGuid():N}-{name}");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public async Task Export_PortalRun_with_WhatIf_exports_nothing_and_without_it_saves_the_runs_onnx_file_which_Import_PortalModelVersion_registers()
    {
        await portal.ConnectAs(PortalRoles.Contributor);
        var (_, runId, heldOut) = TrainedModel();
        var path = Path.Combine(_folder, "tiny.onnx");
        var admin = await portal.AdminClient(); // the factory's own client, not ours to dispose
        portal.Host.Clear();

        var whatIf = portal.Run("Get-PortalRun -Id $id | Export-PortalRun -Path $path -WhatIf", new() { ["id"] = runId, ["path"] = path });

        Assert.Empty(whatIf.Errors);
        Assert.Empty(whatIf.Output);
        Assert.Contains($"run {runId} to ONNX at {path}", Assert.Single(portal.Host.Lines, l => l.StartsWith("What if:", StringComparison.Ordinal)));
        Assert.False(File.Exists(path));
        Assert.Equal(JsonValueKind.Null, (await admin.GetJson<JsonElement>($"/api/v1/runs/{runId}")).GetProperty("exportJobId").ValueKind);

        var result = portal.Run("Get-PortalRun -Id $id | Export-PortalRun -Path $path", new() { ["id"] = runId, ["path"] = path });

        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        var file = Assert.IsType<FileInfo>(result.Output.Single().BaseObject);
        Assert.Equal(path, file.FullName);
        using (var served = await admin.GetAsync($"/api/v1/runs/{runId}/artifacts/onnx"))
            Assert.Equal(await served.Content.ReadAsByteArrayAsync(), await File.ReadAllBytesAsync(path));
        var exporting = result.Progress.Where(p => p.Activity == $"Exporting run {runId} to ONNX").ToList();
        Assert.Contains(exporting, p => p.PercentComplete == 100 && p.StatusDescription == "Succeeded");
        Assert.Equal(ProgressRecordType.Completed, exporting[^1].RecordType);

        var again = portal.Run("Export-PortalRun -Id $id -Path $path", new() { ["id"] = runId, ["path"] = path });
        var exists = Assert.Single(again.Errors);
        Assert.Equal((ErrorCategory.ResourceExists, (object)path), (exists.CategoryInfo.Category, exists.TargetObject));
        Assert.Contains("use -Force", exists.Exception.Message);

        // The saved file, piped on, becomes a version of another model; -WhatIf registers nothing.
        var imports = new Dictionary<string, object?> { ["file"] = file, ["model"] = $"psi-{Guid.NewGuid().ToString("N")[..8]}", ["held"] = heldOut };
        portal.Invoke("New-PortalModel -Name $model | Out-Null", imports);
        portal.Host.Clear();
        var importWhatIf = portal.Run("$file | Import-PortalModelVersion -Model $model -WhatIf", imports);
        Assert.Empty(importWhatIf.Errors);
        Assert.Empty(importWhatIf.Output);
        Assert.Contains($"{path} as the next version of '{imports["model"]}'", Assert.Single(portal.Host.Lines, l => l.StartsWith("What if:", StringComparison.Ordinal)));
        Assert.Equal(0, (await admin.GetJson<JsonElement>($"/api/v1/models/{imports["model"]}")).GetProperty("versionCount").GetInt32());

        var imported = portal.Invoke("$file | Import-PortalModelVersion -Model $model -EvaluationDatasetId $held", imports).Single();
        Assert.Equal(1, (int)imported.Properties["Number"].Value);
        var lineage = PSObject.AsPSObject(imported.Properties["Lineage"].Value);
        Assert.Equal("Import", (string)lineage.Properties["Source"].Value);
        Assert.NotNull(PSObject.AsPSObject(imported.Properties["Evidence"].Value).Properties["Accuracy"].Value);
        var missing = Assert.Single(portal.Run("Import-PortalModelVersion -Model $model -Path ./no-such.onnx", imports).Errors);
        Assert.Equal(ErrorCategory.ObjectNotFound, missing.CategoryInfo.Category);
    }

    [Fact]
    public async Task Start_PortalEvaluation_piped_from_a_version_waits_for_the_report_while_WhatIf_queues_nothing_and_a_misfit_is_an_error_record()
    {
        await portal.ConnectAs(PortalRoles.Contributor);
        var (model, _, heldOut) = TrainedModel();
        var admin = await portal.AdminClient();
        var version = new Dictionary<string, object?> { ["model"] = model, ["held"] = heldOut };
        portal.Host.Clear();

        var whatIf = portal.Run("Get-PortalModelVersion -Model $model -Version 1 | Start-PortalEvaluation -DatasetId $held -WhatIf", version);

        Assert.Empty(whatIf.Errors);
        Assert.Empty(whatIf.Output);
        Assert.Contains($"version 1 of '{model}' on dataset {heldOut}", Assert.Single(portal.Host.Lines, l => l.StartsWith("What if:", StringComparison.Ordinal)));
        Assert.Equal(0, (await admin.GetJson<JsonElement>($"/api/v1/models/{model}/versions/1/evaluations")).GetProperty("total").GetInt32());

        var result = portal.Run("Get-PortalModelVersion -Model $model -Version 1 | Start-PortalEvaluation -DatasetId $held -Wait", version);

        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        var evaluation = result.Output.Single();
        Assert.Equal("EvaluationView", evaluation.BaseObject.GetType().Name);
        Assert.Equal("Succeeded", evaluation.Properties["State"].Value.ToString());
        var registered = (await admin.GetJson<JsonElement>($"/api/v1/models/{model}/versions/1")).GetProperty("evidence").GetProperty("accuracy").GetDouble();
        Assert.Equal(registered, (double?)evaluation.Properties["Accuracy"].Value);
        var report = PSObject.AsPSObject(evaluation.Properties["Report"].Value);
        Assert.Equal(90, (int)report.Properties["SampleCount"].Value);
        Assert.Contains(result.Progress, p => p.Activity.StartsWith($"Evaluating {model} v1 on {model}-held", StringComparison.Ordinal) && p.PercentComplete == 100);
        // The module's table view of it names only properties the object has, and renders it.
        var view = System.Xml.Linq.XDocument.Load(Path.Combine(Path.GetDirectoryName(ModulePortal.ModuleManifest)!, "Portal.Format.ps1xml"))
            .Descendants("View").Single(v => v.Element("ViewSelectedBy")!.Element("TypeName")!.Value == evaluation.BaseObject.GetType().FullName);
        Assert.All(view.Descendants("PropertyName").Select(p => p.Value), name => Assert.NotNull(evaluation.Properties[name]));
        var table = (string)portal.Invoke("$evaluation | Format-Table | Out-String -Width 200", new() { ["evaluation"] = evaluation }).Single().BaseObject;
        var row = Assert.Single(PrintedObjects.Read(table));
        Assert.Equal((model, "1", "Succeeded", registered.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture)),
            (row["Model"], row["Version"], row["State"], row["Accuracy"]));

        // 4×4 images do not fit a network that takes 36 inputs: refused before any job runs.
        var (images, labels) = Portal.Server.Tests.Datasets.IdxFiles.Separable(30, 4, 3, 43);
        var misfit = portal.Run("""
            $small = Import-PortalDataset -Name "$model-small" -ImagesPath $images -LabelsPath $labels
            Start-PortalEvaluation -Model $model -Version 1 -DatasetId $small.Id -Wait
            """, new() { ["model"] = model, ["images"] = Write("small-images.idx", images), ["labels"] = Write("small-labels.idx", labels) });
        var error = Assert.Single(misfit.Errors);
        Assert.Equal((ErrorCategory.InvalidArgument, (object)$"{model} v1"), (error.CategoryInfo.Category, error.TargetObject));
        Assert.Contains($"Version 1 of '{model}' cannot be evaluated on dataset '{model}-small'", error.Exception.Message);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
