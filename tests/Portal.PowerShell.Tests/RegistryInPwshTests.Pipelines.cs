using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace Portal.PowerShell.Tests;

/// <summary>
/// The module against a small registry in a real pwsh 7.6.10 process, as a user meets it: piping one cmdlet's objects
/// into the next (every pipeline the help examples, about_Portal and README show), and the objects themselves.
/// </summary>
public sealed partial class RegistryInPwshTests(PipelinePortal world, ITestOutputHelper log) : IClassFixture<PipelinePortal>
{
    /// <summary>Every script these tests run, for the check that each documented pipeline is among them.</summary>
    private static readonly string[] s_scripts =
    [
        ModelIntoGetPromotion, RunIntoGetDataset, VersionIntoGetRun, ModelIntoDeploymentMetric, ModelIntoUndoPromotion,
        NewKeyIntoRemoveKey, KeysByNameIntoRemoveKey, RequestsIntoStopPromotion, RunPipelines, ImportPipelines, RegistryPipelines, TrainingPipelines,
    ];

    private const string Connected = """
        Import-Module Portal -ErrorAction Stop
        Connect-Portal -Uri $env:PORTAL_URL -ApiKey $env:PORTAL_API_KEY -ErrorAction Stop
        $train = Get-PortalDataset -Id $env:PIPES_TRAIN
        $test = Get-PortalDataset -Id $env:PIPES_TEST
        $run = Get-PortalRun -Id $env:PIPES_RUN

        """;

    private async Task<PwshRun> Pwsh(string script)
    {
        var run = await RealPwsh.RunScript(Connected + script, world.Environment);
        log.WriteLine($"pwsh: {run.Elapsed.TotalSeconds:0.0} s\n{run.Output}");
        Assert.True(run.ExitCode == 0 && run.Errors.Trim().Length == 0, run.ToString());
        return run;
    }

    /// <summary>The values of the lines the script wrote as "<paramref name="label"/>: value".</summary>
    private static List<string> Said(PwshRun run, string label) =>
        [.. run.Lines.Where(l => l.StartsWith(label + ": ", StringComparison.Ordinal)).Select(l => l[(label.Length + 2)..].Trim())];

    private const string ModelIntoGetPromotion = """
        Get-PortalModel -Name fashion | Get-PortalPromotion | ForEach-Object { "request: $($_.Model) $($_.Alias)" }
        """;

    [Fact]
    public async Task A_model_piped_into_Get_PortalPromotion_lists_that_models_requests()
    {
        var run = await Pwsh(ModelIntoGetPromotion);

        var requests = Said(run, "request");
        Assert.NotEmpty(requests);
        Assert.All(requests, r => Assert.Equal("fashion production", r));
    }

    private const string RunIntoGetDataset = """
        Get-PortalRun -Id $run.Id | Get-PortalDataset | ForEach-Object { "dataset: $($_.Id)" }
        """;

    [Fact]
    public async Task A_run_piped_into_Get_PortalDataset_gets_the_dataset_it_trained_on()
    {
        var run = await Pwsh(RunIntoGetDataset);

        Assert.Equal([world.TrainId.ToString()], Said(run, "dataset"));
    }

    private const string VersionIntoGetRun = """
        Get-PortalModelVersion -Model fashion -Version 3 | Get-PortalRun | ForEach-Object { "one: $($_.Id)" }
        Get-PortalModelVersion -Model fashion | Get-PortalRun | ForEach-Object { "listed: $($_.Id)" }
        """;

    [Fact]
    public async Task A_version_piped_into_Get_PortalRun_gets_the_run_that_trained_it()
    {
        var run = await Pwsh(VersionIntoGetRun);

        Assert.Equal([world.RunId.ToString()], Said(run, "one"));
        var listed = Said(run, "listed");
        Assert.True(listed.Count >= 3, run.Output);
        Assert.All(listed, id => Assert.Equal(world.RunId.ToString(), id));
    }

    private const string ModelIntoDeploymentMetric = """
        Get-PortalModel -Name fashion | Get-PortalDeploymentMetric | ForEach-Object { "served: $($_.Model) $($_.Alias)" }
        """;

    [Fact]
    public async Task A_model_piped_into_Get_PortalDeploymentMetric_gets_that_models_figures_only()
    {
        var run = await Pwsh(ModelIntoDeploymentMetric);

        var served = Said(run, "served");
        Assert.NotEmpty(served);
        Assert.All(served, s => Assert.Equal("fashion production", s));
    }

    private const string ModelIntoUndoPromotion = """
        Connect-Portal -Uri $env:PORTAL_URL -ApiKey $env:PORTAL_APPROVER_KEY -ErrorAction Stop
        $rollback = Get-PortalModel -Name rollback | Undo-PortalPromotion -Alias production -Comment 'errors in the field' -Confirm:$false -PassThru
        "rolled back: $($rollback.Model) $($rollback.Alias) from $($rollback.RolledBackFrom) to $($rollback.Version)"
        """;

    [Fact]
    public async Task A_model_piped_into_Undo_PortalPromotion_rolls_back_that_models_alias()
    {
        var run = await Pwsh(ModelIntoUndoPromotion);

        Assert.Equal(["rollback production from 2 to 1"], Said(run, "rolled back"));
    }

    private const string NewKeyIntoRemoveKey = """
        $revoked = New-PortalApiKey -Name smoke-test -ExpiresInDays 1 | Remove-PortalApiKey -Confirm:$false -PassThru
        "revoked: $revoked"
        Get-PortalApiKey -Name smoke-test | ForEach-Object { "listed: $($_.Id) $($null -ne $_.RevokedAt)" }
        """;

    [Fact]
    public async Task A_new_key_piped_into_Remove_PortalApiKey_is_revoked()
    {
        var run = await Pwsh(NewKeyIntoRemoveKey);

        var revoked = Assert.Single(Said(run, "revoked"));
        Assert.Contains($"{revoked} True", Said(run, "listed"));
    }

    private const string KeysByNameIntoRemoveKey = """
        foreach ($name in 'smoke-a', 'smoke-b', 'ci-kept') { New-PortalApiKey -Name $name | Out-Null }
        Get-PortalApiKey -Name ci* | ForEach-Object { "named ci: $($_.Name) $($_.Prefix.Length -gt 0)" }
        Get-PortalApiKey -Name smoke-* | Remove-PortalApiKey -Confirm:$false
        Get-PortalApiKey | ForEach-Object { "key: $($_.Name) revoked=$($null -ne $_.RevokedAt)" }
        """;

    [Fact]
    public async Task Get_PortalApiKey_lists_your_keys_by_name_and_pipes_them_into_Remove_PortalApiKey()
    {
        var run = await Pwsh(KeysByNameIntoRemoveKey);

        var keys = Said(run, "key");
        Assert.Contains("smoke-a revoked=True", keys);
        Assert.Contains("smoke-b revoked=True", keys);
        Assert.Contains("ci-kept revoked=False", keys);
        Assert.Contains($"tests-{world.Contributor.UserName} revoked=False", keys);
        Assert.Equal(["ci-kept True"], Said(run, "named ci"));
    }

    private const string RequestsIntoStopPromotion = """
        $request = Submit-PortalPromotion -Model fashion -Version 2 -Comment 'to be cancelled'
        Connect-Portal -Uri $env:PORTAL_URL -ApiKey $env:PORTAL_APPROVER_KEY -ErrorAction Stop
        $request | Stop-PortalPromotion -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue
        "refused: $($refused[0].CategoryInfo.Category)"
        Connect-Portal -Uri $env:PORTAL_URL -ApiKey $env:PORTAL_API_KEY -ErrorAction Stop
        Get-PortalPromotion -State Pending -Model fashion | Stop-PortalPromotion -PassThru | ForEach-Object { "cancelled: $($_.Id) $($_.State)" }
        Get-PortalAuditEvent -Action promotion.cancel -SubjectId $request.Id | ForEach-Object { "audited: $($_.Actor)" }
        "request: $($request.Id)"
        """;

    [Fact]
    public async Task Stop_PortalPromotion_cancels_a_pending_request_of_its_requester_and_is_audited()
    {
        var run = await Pwsh(RequestsIntoStopPromotion);

        var id = Assert.Single(Said(run, "request"));
        Assert.Equal(["PermissionDenied"], Said(run, "refused"));
        Assert.Equal([$"{id} Cancelled"], Said(run, "cancelled"));
        Assert.Equal([world.Contributor.UserName], Said(run, "audited"));
    }

    private const string RunPipelines = """
        $running = @(Get-PortalRun | Where-Object State -eq Running)
        $waited = $run | Wait-PortalRun -TimeoutSeconds 600
        "waited: $($waited.State)"
        Watch-PortalRun -Id $run.Id | Where-Object Type -eq epoch | ForEach-Object { "epoch: $($_.Epoch)" }
        $file = Get-PortalRun -Id $run.Id | Export-PortalRun -Path ./model.onnx
        "exported: $($file.Name) $($file.Length -gt 0)"
        $imported = $run | Export-PortalRun -Path ./fashion.onnx | Import-PortalModelVersion -Model fashion-imported
        "imported: $($imported.Model) $($imported.Lineage.Source)"
        """;

    [Fact]
    public async Task The_documented_run_pipelines_run_in_pwsh()
    {
        var run = await Pwsh(RunPipelines);

        Assert.Equal(["Succeeded"], Said(run, "waited"));
        Assert.Equal(["1", "2"], Said(run, "epoch"));
        Assert.Equal(["model.onnx True"], Said(run, "exported"));
        Assert.Equal(["fashion-imported Import"], Said(run, "imported"));
    }

    private const string ImportPipelines = """
        $file = $run | Export-PortalRun -Path ./model.onnx
        New-PortalModel -Name fashion-later | Out-Null
        $queued = $file | Import-PortalModelVersion -Model fashion-later -NoWait
        "queued: $($queued.FileName) $($queued.JobId -ne [guid]::Empty) $($null -eq $queued.Version)"
        $refused = $null
        $file | Import-PortalModelVersion -Model fashion-later -ErrorAction SilentlyContinue -ErrorVariable refused | Out-Null
        "refused again: $($refused.Count) $($refused[0].Exception.Message -match 'already (being imported|version)')"
        New-PortalModel -Name fashion-sized | Out-Null
        $sized = $file | Import-PortalModelVersion -Model fashion-sized -Dims @{ batch = 4 } -IntegerBound 5
        "sized: $($sized.Evidence.LatencyP50Ms -gt 0) $($null -eq $sized.Evidence.ThroughputBatch64) $(@($sized.Evidence.Measurement.NotMeasured.Figure) -join ',')"
        "sized inputs: $(@($sized.Evidence.Measurement.Inputs) -contains 'batch=4 (given)')"
        "signature: $(@($sized.Signature.Inputs | ForEach-Object { "$($_.Name) $($_.Datatype) [$($_.Shape -join ',')]" }) -join '; ')"
        """;

    [Fact]
    public async Task Import_PortalModelVersion_waits_for_the_import_job_or_returns_it_with_NoWait_and_passes_sizes()
    {
        var run = await Pwsh(ImportPipelines);

        Assert.Equal(["model.onnx True True"], Said(run, "queued"));
        Assert.Equal(["1 True"], Said(run, "refused again"));
        Assert.Equal(["True True accuracy,throughput"], Said(run, "sized"));
        Assert.Equal(["True"], Said(run, "sized inputs"));
        Assert.Equal(["input FP32 [-1,36]"], Said(run, "signature"));
    }

    private const string RegistryPipelines = """
        Get-PortalModelVersion -Model fashion -First 1 | Submit-PortalPromotion -WhatIf
        "pending after WhatIf: $(@(Get-PortalPromotion -State Pending -Model fashion).Count)"
        $submitted = Get-PortalModelVersion -Model fashion -First 1 | Submit-PortalPromotion
        $cancelled = Get-PortalPromotion -State Pending -Model fashion | Stop-PortalPromotion -PassThru
        "cancelled: $($cancelled.Version) $($cancelled.State)"
        $request = Get-PortalModelVersion -Model fashion -First 1 |
            Submit-PortalPromotion -Alias production -Comment 'better accuracy'
        Connect-Portal -Uri $env:PORTAL_URL -ApiKey $env:PORTAL_APPROVER_KEY -ErrorAction Stop
        Get-PortalPromotion -State Pending | Approve-PortalPromotion -Comment 'reviewed' -PassThru | ForEach-Object { "approved: $($_.Version) $($_.State)" }
        # Version 3 answers once production has swapped to it.
        $rows = @(, [float[]]::new(36)) + @(, [float[]]::new(36))
        foreach ($attempt in 1..200) {
            $predictions = $rows | Invoke-PortalInference -Model fashion -Version 3 -ErrorAction SilentlyContinue
            if ($predictions) { break }
            Start-Sleep -Milliseconds 100
        }
        $predictions | ForEach-Object { "predicted: $($_.Row) $($_.Version)" }
        $rollback = Get-PortalModel -Name fashion | Undo-PortalPromotion -Alias production -Comment 'errors in the field' -Confirm:$false -PassThru
        "rolled back: from $($rollback.RolledBackFrom) to $($rollback.Version)"
        Connect-Portal -Uri $env:PORTAL_URL -ApiKey $env:PORTAL_API_KEY -ErrorAction Stop
        $int8 = Get-PortalModelVersion -Model fashion -Version 3 | Invoke-PortalCompression -Quantize -TolerancePoints 1
        "compressed: $($int8.Lineage.Source) from $($int8.Lineage.ParentVersion)"
        $evaluation = Get-PortalModelVersion -Model fashion -Version 3 | Start-PortalEvaluation -DatasetId $test.Id -Wait
        "evaluated: $($evaluation.Version) $($evaluation.State)"
        $registered = $run | Register-PortalModelVersion -Model fashion -EvaluationDatasetId $test.Id
        "registered: $($registered.Lineage.RunId -eq $run.Id)"
        """;

    [Fact]
    public async Task The_documented_registry_pipelines_run_in_pwsh()
    {
        var run = await Pwsh(RegistryPipelines);

        Assert.Equal(["0"], Said(run, "pending after WhatIf"));
        Assert.Equal(["3 Cancelled"], Said(run, "cancelled"));
        Assert.Equal(["3 Approved"], Said(run, "approved"));
        Assert.Equal(["from 3 to 1"], Said(run, "rolled back"));
        Assert.Equal(["Derived from 3"], Said(run, "compressed"));
        Assert.Equal(["3 Succeeded"], Said(run, "evaluated"));
        Assert.Equal(["True"], Said(run, "registered"));
        Assert.Equal(["0 3", "1 3"], Said(run, "predicted"));
    }

    private const string TrainingPipelines = """
        $spec = @{ name = 'fashion-linear'; inputShape = @(784); layers = @(@{ type = 'linear'; outFeatures = 10 }) }
        $fashion = Get-PortalDataset -Name fashion-mnist-train
        $queued = Get-PortalDataset -Name fashion-mnist-train | Start-PortalTraining -Spec $spec -Epochs 5
        $queued | Stop-PortalRun -Confirm:$false
        "trains on: $($queued.DatasetId -eq $fashion.Id) $($queued.Spec.name)"
        """;

    [Fact]
    public async Task The_documented_training_pipeline_trains_on_the_dataset_piped_in()
    {
        var run = await Pwsh(TrainingPipelines);

        Assert.Equal(["True fashion-linear"], Said(run, "trains on"));
    }

    [Fact]
    public async Task Every_pipeline_the_help_examples_about_Portal_and_README_show_is_run_by_a_real_pwsh_test()
    {
        var folder = Path.GetDirectoryName(ModulePortal.ModuleManifest)!;
        XNamespace dev = "http://schemas.microsoft.com/maml/dev/2004/10";
        var examples = XDocument.Load(Path.Combine(folder, "en-US", "Portal.PowerShell.dll-Help.xml")).Descendants(dev + "code").Select(c => c.Value);
        // about_Portal's examples are indented blocks; a line ending in '|' goes on in the next.
        var about = IndentedBlock().Matches(await File.ReadAllTextAsync(Path.Combine(folder, "en-US", "about_Portal.help.txt"))).Select(m => m.Value);
        var documented = examples.Concat(about).Select(Normalized).Where(c => c.Contains("| ", StringComparison.Ordinal) && c.Contains("-Portal", StringComparison.Ordinal)).Distinct().ToList();
        var tested = s_scripts.Append(ReadmeScript.FromPowerShellSection()).Select(Normalized).ToList();

        Assert.True(documented.Count >= 20, string.Join("\n", documented));
        var untested = documented.Where(d => !tested.Any(t => t.Contains(d, StringComparison.Ordinal))).ToList();
        Assert.True(untested.Count == 0, "Pipelines shown to users that no real-pwsh test runs:\n" + string.Join("\n", untested));
    }

    private static string Normalized(string code) => Whitespace().Replace(code.Trim(), " ");

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^ {8}\S.*(?:\n {8,}\S.*)*", RegexOptions.Multiline)]
    private static partial Regex IndentedBlock();
}
