using System.Text.Json;

namespace Portal.PowerShell.Tests;

/// <summary>The objects the cmdlets write and the errors they raise, as pwsh shows and converts them.</summary>
public sealed partial class RegistryInPwshTests
{
    [Fact]
    public async Task Start_PortalTraining_takes_a_ready_spec_by_its_name()
    {
        var run = await Pwsh("""
            $fashion = Get-PortalDataset -Name fashion-mnist-train
            $queued = Start-PortalTraining -DatasetId $fashion.Id -Spec fashion-mlp -Epochs 1
            $queued | Stop-PortalRun -Confirm:$false
            "queued: $($queued.Name)"
            "spec: $($queued.Spec | ConvertTo-Json -Compress -Depth 10)"
            """);

        Assert.StartsWith("fashion-mlp-", Assert.Single(Said(run, "queued")));
        Assert.Contains("\"fashion-mlp\"", Assert.Single(Said(run, "spec")));
    }

    [Fact]
    public async Task Stop_PortalRun_PassThru_writes_the_run_once_it_has_stopped()
    {
        var run = await Pwsh("""
            $spec = @{ name = 'fashion-wide'; inputShape = @(784); layers = @(@{ type = 'linear'; outFeatures = 256 }, @{ type = 'relu' }, @{ type = 'linear'; outFeatures = 10 }) }
            $training = Get-PortalDataset -Name fashion-mnist-train | Start-PortalTraining -Spec $spec -Epochs 1
            $deadline = [datetime]::UtcNow.AddMinutes(2)
            while ((Get-PortalRun -Id $training.Id).State -ne 'Running' -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            "before: $((Get-PortalRun -Id $training.Id).State)"
            $stopped = $training | Stop-PortalRun -Confirm:$false -PassThru
            "stopped: $($stopped.State)"
            """);

        Assert.Equal(["Running"], Said(run, "before"));
        Assert.Equal(["Cancelled"], Said(run, "stopped"));
    }

    [Fact]
    public async Task ConvertTo_Json_writes_the_spec_options_and_evaluation_of_runs_and_versions_as_JSON()
    {
        var run = await Pwsh("""
            "run: $($run | ConvertTo-Json -Depth 10 -Compress)"
            "version: $(Get-PortalModelVersion -Model fashion -Version 1 | ConvertTo-Json -Depth 10 -Compress)"
            "first layer: $($run.Spec.layers[0].type) $($run.Spec.layers[0].outFeatures)"
            """);

        Assert.DoesNotContain("ValueKind", run.Output);
        var trained = JsonDocument.Parse(Assert.Single(Said(run, "run"))).RootElement;
        Assert.Equal("tiny-mlp", trained.GetProperty("Spec").GetProperty("name").GetString());
        Assert.Equal(3, trained.GetProperty("Spec").GetProperty("layers").GetArrayLength());
        Assert.Equal(2, trained.GetProperty("Options").GetProperty("epochs").GetInt32());
        var version = JsonDocument.Parse(Assert.Single(Said(run, "version"))).RootElement;
        Assert.Equal("tiny-mlp", version.GetProperty("Spec").GetProperty("name").GetString());
        var evaluation = version.GetProperty("Evidence").GetProperty("Evaluation");
        Assert.Equal(JsonValueKind.Object, evaluation.ValueKind);
        Assert.NotEmpty(evaluation.EnumerateObject());
        Assert.Equal(["linear 16"], Said(run, "first layer"));
    }

    [Fact]
    public async Task New_PortalApiKey_shows_the_one_time_secret_in_full_in_its_default_view()
    {
        var run = await Pwsh("""
            $key = New-PortalApiKey -Name shown-once
            $key
            "secret: $($key.Secret)"
            """);

        var secret = Assert.Single(Said(run, "secret"));
        Assert.True(secret.Length >= 20, secret);
        var shown = Assert.Single(PrintedObjects.Read(run.Output), o => o.ContainsKey("Secret"));
        Assert.Equal((secret, "shown-once"), (shown["Secret"], shown["Name"]));
    }

    [Fact]
    public async Task Connect_Portal_errors_obey_ErrorAction_and_keep_the_previous_connection()
    {
        var run = await Pwsh("""
            Connect-Portal -Uri $env:PORTAL_URL -ApiKey 'not-a-key' -ErrorAction SilentlyContinue
            Connect-Portal -Uri 'ftp://portal.example' -ApiKey 'any' -ErrorAction SilentlyContinue
            "went on: $($Error.Count)"
            try { Connect-Portal -Uri $env:PORTAL_URL -ApiKey 'not-a-key' -ErrorAction Stop; 'not stopped' } catch { "stopped: $($_.FullyQualifiedErrorId)" }
            try { Connect-Portal -Uri 'ftp://portal.example' -ApiKey 'any' -ErrorAction Stop; 'not stopped' } catch { "stopped: $($_.FullyQualifiedErrorId)" }
            "still connected: $((Get-PortalDataset -Id $env:PIPES_TRAIN).Name)"
            """);

        Assert.Equal(["2"], Said(run, "went on"));
        var stopped = Said(run, "stopped");
        Assert.Equal(2, stopped.Count);
        Assert.StartsWith("Portal401,", stopped[0]);
        Assert.StartsWith("PortalBadUri,", stopped[1]);
        Assert.DoesNotContain("not stopped", run.Lines);
        Assert.Equal(["pipes-train"], Said(run, "still connected"));
    }
}
