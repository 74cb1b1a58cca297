using System.Management.Automation;
using Portal.Server.Auth;
using Portal.Server.Tests.Datasets;

namespace Portal.PowerShell.Tests;

/// <summary>The cmdlets driven as a user would, in a real PowerShell engine, against a real portal.</summary>
public sealed class LifecycleTests(ModulePortal portal) : IClassFixture<ModulePortal>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("portal-ps-").FullName;

    /// <summary>IDX files of <paramref name="count"/> separable 6×6 images written to the temp folder; returns (images, labels) paths.</summary>
    private (string Images, string Labels) IdxFiles(int count, int seed)
    {
        var (images, labels) = Portal.Server.Tests.Datasets.IdxFiles.Separable(count, 6, 3, seed);
        var prefix = Path.Combine(_folder, $"blobs-{seed}");
        File.WriteAllBytes(prefix + "-images.idx", images);
        File.WriteAllBytes(prefix + "-labels.idx", labels);
        return (prefix + "-images.idx", prefix + "-labels.idx");
    }

    /// <summary>Imports data, trains a tiny run to the end and registers it as version 1 and 2 of a new model; returns the model name.</summary>
    private string TrainedModel()
    {
        var (images, labels) = IdxFiles(300, 1);
        var (heldImages, heldLabels) = IdxFiles(90, 2);
        var model = $"ps-{Guid.NewGuid().ToString("N")[..8]}";
        portal.Invoke($$"""
            $train = Import-PortalDataset -Name "$model-train" -ImagesPath $images -LabelsPath $labels -ClassName a, b, c
            $held = Import-PortalDataset -Name "$model-held" -ImagesPath $heldImages -LabelsPath $heldLabels -ClassName a, b, c
            $run = $train | Start-PortalTraining -Spec {{ModulePortal.TinySpec.Script}} -Epochs 2 -BatchSize 16 -Seed 3 | Wait-PortalRun
            New-PortalModel -Name $model | Out-Null
            $run | Register-PortalModelVersion -Model $model -EvaluationDatasetId $held.Id | Out-Null
            $run | Register-PortalModelVersion -Model $model -EvaluationDatasetId $held.Id | Out-Null
            """, new() { ["images"] = images, ["labels"] = labels, ["heldImages"] = heldImages, ["heldLabels"] = heldLabels, ["model"] = model });
        return model;
    }

    [Fact]
    public async Task The_README_script_runs_green_in_the_hosted_engine()
    {
        var script = ReadmeScript.FromPowerShellSection();
        var contributor = await portal.CreateUser(PortalRoles.Contributor);
        var approver = await portal.CreateUser(PortalRoles.Approver);
        Environment.SetEnvironmentVariable("PORTAL_URL", portal.Address.ToString());
        Environment.SetEnvironmentVariable("PORTAL_API_KEY", contributor.ApiKey);
        Environment.SetEnvironmentVariable("PORTAL_APPROVER_KEY", approver.ApiKey);

        var result = portal.Run(script);

        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors.Select(e => $"{e}\n{e.InvocationInfo?.PositionMessage}")));
        var promotion = result.Output.Single(o => o.BaseObject.GetType().Name == "PromotionView");
        Assert.Equal("Approved", promotion.Properties["State"].Value);
        var prediction = result.Output.Single(o => o.BaseObject.GetType().Name == "Prediction");
        Assert.InRange((int)prediction.Properties["Class"].Value, 0, 9);
        Assert.Contains(result.Progress, p => p.PercentComplete == 100);
    }

    [Fact]
    public async Task Get_PortalRun_with_Metrics_and_Steps_writes_the_run_then_its_epochs_then_every_step()
    {
        await portal.ConnectAs(PortalRoles.Contributor);
        var (images, labels) = IdxFiles(300, 1);

        var result = portal.Run($$"""
            $train = Import-PortalDataset -Name "steps-$([guid]::NewGuid())" -ImagesPath $images -LabelsPath $labels -ClassName a, b, c
            $run = $train | Start-PortalTraining -Spec {{ModulePortal.TinySpec.Script}} -Epochs 2 -BatchSize 16 -Seed 3 | Wait-PortalRun
            Get-PortalRun -Id $run.Id -Metrics -Steps
            """, new() { ["images"] = images, ["labels"] = labels });

        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        var kinds = result.Output.Select(o => o.TypeNames[0].Split('.')[^1]).ToList();
        Assert.Equal(["RunView", "RunEpochView", "RunEpochView"], kinds.Take(3));
        var steps = result.Output.Skip(3).Select(o => o.BaseObject).ToList();
        Assert.All(steps, s => Assert.Equal("RunStepPoint", s.GetType().Name));
        // 300 samples in batches of 16: 19 steps an epoch.
        Assert.Equal(Enumerable.Range(1, 38).Select(i => (long)i), result.Output.Skip(3).Select(o => (long)o.Properties["Step"].Value));
    }

    [Fact]
    public async Task Piping_versions_into_Submit_PortalPromotion_with_WhatIf_changes_nothing_and_tells_the_host()
    {
        await portal.ConnectAs(PortalRoles.Contributor);
        var model = TrainedModel();
        portal.Host.Clear();

        var result = portal.Run("Get-PortalModelVersion -Model $model | Submit-PortalPromotion -Alias production -WhatIf", new() { ["model"] = model });

        Assert.Empty(result.Errors);
        Assert.Empty(result.Output);
        var whatIf = portal.Host.Lines.Where(l => l.StartsWith("What if:", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, whatIf.Count);
        Assert.Contains(whatIf, l => l.Contains($"{model} alias 'production' → version 2") && l.Contains("Request promotion"));
        Assert.Empty(portal.Invoke("Get-PortalPromotion -Model $model", new() { ["model"] = model }));

        // Without -WhatIf the newest version's request is made (one pending request per alias at a time).
        var submitted = portal.Invoke("Get-PortalModelVersion -Model $model -First 1 | Submit-PortalPromotion -Alias production -Comment 'from the pipeline'", new() { ["model"] = model });
        Assert.Equal(2, (int)submitted.Single().Properties["Version"].Value);
        Assert.Equal("Pending", submitted.Single().Properties["State"].Value);
    }

    [Fact]
    public async Task Confirm_asks_the_host_and_a_no_keeps_the_key_while_a_yes_revokes_it()
    {
        await portal.ConnectAs(PortalRoles.Viewer);
        var key = portal.Invoke("New-PortalApiKey -Name 'to-revoke' -ExpiresInDays 1").Single();
        var id = (Guid)PSObject.AsPSObject(key.Properties["Key"].Value).Properties["Id"].Value;
        portal.Host.Clear();

        portal.Host.ConfirmAnswer = 2; // [Y]es, Yes to [A]ll, [N]o, No to a[L]l, [S]uspend
        portal.Invoke("Remove-PortalApiKey -Id $id -Confirm", new() { ["id"] = id });
        var stillThere = portal.Invoke("Get-PortalAuditEvent -Action apikey. -SubjectId $id", new() { ["id"] = id.ToString() });
        portal.Host.ConfirmAnswer = 0; // Yes
        var removed = portal.Invoke("Remove-PortalApiKey -Id $id -Confirm -PassThru", new() { ["id"] = id });

        Assert.Equal(2, portal.Host.Prompts.Count);
        Assert.All(portal.Host.Prompts, p => Assert.Contains($"API key {id}", p));
        Assert.DoesNotContain(stillThere, e => ((string)e.Properties["Action"].Value).Contains("revoke"));
        Assert.Equal(id, (Guid)removed.Single().BaseObject);
        var revoked = portal.Invoke("Get-PortalAuditEvent -SubjectId $id", new() { ["id"] = id.ToString() });
        Assert.Contains(revoked, e => ((string)e.Properties["Action"].Value).Contains("revoke"));
    }

    [Fact]
    public async Task Wait_PortalRun_reports_progress_from_the_live_stream_and_returns_the_finished_run()
    {
        await portal.ConnectAs(PortalRoles.Contributor);
        var (images, labels) = IdxFiles(300, 7);

        var result = portal.Run($$"""
            Import-PortalDataset -Name "wait-$([guid]::NewGuid())" -ImagesPath $images -LabelsPath $labels |
                Start-PortalTraining -Spec {{ModulePortal.TinySpec.Script}} -Epochs 2 -BatchSize 16 |
                Wait-PortalRun
            """, new() { ["images"] = images, ["labels"] = labels });

        Assert.Empty(result.Errors);
        Assert.Equal("Succeeded", result.Output.Single().Properties["State"].Value.ToString());
        var percents = result.Progress.Where(p => p.RecordType == ProgressRecordType.Processing && p.PercentComplete >= 0).Select(p => p.PercentComplete).ToList();
        Assert.True(percents.Count >= 10, $"only {percents.Count} progress records");
        Assert.Equal(percents.Order(), percents);
        Assert.Equal(100, percents[^1]);
        Assert.Contains(result.Progress, p => p.RecordType == ProgressRecordType.Completed);
    }

    [Fact]
    public async Task Approving_ones_own_request_is_an_error_record_with_the_servers_reason_category_and_target()
    {
        await portal.ConnectAs(PortalRoles.Contributor);
        var model = TrainedModel();
        await portal.ConnectAs(PortalRoles.Approver);
        var request = portal.Invoke("Submit-PortalPromotion -Model $model -Version 1", new() { ["model"] = model }).Single();
        var id = (Guid)request.Properties["Id"].Value;

        var result = portal.Run("$request | Approve-PortalPromotion -Comment 'my own'", new() { ["request"] = request });

        var error = Assert.Single(result.Errors);
        Assert.Equal(ErrorCategory.PermissionDenied, error.CategoryInfo.Category);
        Assert.Equal(id, error.TargetObject);
        Assert.StartsWith("Portal403", error.FullyQualifiedErrorId);
        Assert.Contains("own", error.Exception.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Pending", portal.Invoke("Get-PortalPromotion -Id $id", new() { ["id"] = id }).Single().Properties["State"].Value);

        // -ErrorAction Stop makes the same refusal stop the script.
        var stopped = Assert.ThrowsAny<RuntimeException>(() => portal.Run("Approve-PortalPromotion -Id $id -ErrorAction Stop", new() { ["id"] = id }));
        Assert.Contains(error.Exception.Message, stopped.Message);
    }

    [Fact]
    public async Task Watch_PortalRun_emits_every_point_in_order_with_no_gap_across_a_forced_hub_reconnect()
    {
        await portal.ConnectAs(PortalRoles.Contributor);
        var (images, labels) = IdxFiles(480, 9);
        var run = portal.Invoke($$"""
            Import-PortalDataset -Name "watch-$([guid]::NewGuid())" -ImagesPath $images -LabelsPath $labels |
                Start-PortalTraining -Spec {{ModulePortal.TinySpec.Script}} -Epochs 3 -BatchSize 8 -Seed 2
            """, new() { ["images"] = images, ["labels"] = labels }).Single();

        var output = new PSDataCollection<PSObject>();
        var dropped = 0;
        output.DataAdded += (_, e) =>
        {
            if (e.Index is 15 or 90) dropped += portal.DropHubConnections();
        };
        var result = portal.Run("$run | Watch-PortalRun", new() { ["run"] = run }, output);

        Assert.Empty(result.Errors);
        Assert.True(dropped >= 2, $"the hub connection was cut {dropped} times");
        var points = result.Output.Select(o => o.BaseObject).ToList();
        var sequences = points.Select(p => (long)p.GetType().GetProperty("Sequence")!.GetValue(p)!).ToList();
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        var steps = points.Where(p => (string)p.GetType().GetProperty("Type")!.GetValue(p)! == "step").Select(p => (long)p.GetType().GetProperty("Step")!.GetValue(p)!).ToList();
        Assert.Equal(Enumerable.Range(1, 180).Select(i => (long)i), steps);
        Assert.Equal(3, points.Count(p => (string)p.GetType().GetProperty("Type")!.GetValue(p)! == "epoch"));
        Assert.Equal("Succeeded", points[^1].GetType().GetProperty("State")!.GetValue(points[^1])!.ToString());
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
