using System.Management.Automation;
using Portal.Client.Live;
using Portal.Client.Models;
using Portal.Contracts.Jobs;
using Portal.Contracts.Training;
using JobState = Portal.Contracts.Jobs.JobState;

namespace Portal.PowerShell.Cmdlets;

/// <summary>Queues a training run of a model spec on a dataset, from scratch or fine-tuning a registered version.</summary>
/// <remarks>
/// <para>
/// The spec is a ready spec's name (fashion-mlp, fashion-cnn, fashion-resnet, text-transformer), JSON text or a hashtable (blocks nest as hashtables
/// and arrays); -Epochs, -BatchSize, -LearningRate, -Optimizer and -Seed set the usual options and -Options any other.
/// The run trains in the portal; follow it with Wait-PortalRun or Watch-PortalRun.
/// </para>
/// <para>
/// -FromModel and -FromVersion fine-tune that registered version: the run starts from its weights and input
/// standardisation, and its lineage names it. The spec must be the version's, except the width of its head (the last
/// layer with weights, a linear layer), which starts anew when the dataset's classes are not the version's.
/// -FreezeBody trains the head only.
/// </para>
/// </remarks>
/// <example>
/// <code>Get-PortalDataset -Name fashion-mnist-train | Start-PortalTraining -Spec $spec -Epochs 5</code>
/// Trains the spec in $spec (a hashtable: name, inputShape, layers) for 5 epochs on the built-in Fashion-MNIST.
/// </example>
/// <example>
/// <code>Start-PortalTraining -DatasetId $train.Id -Spec (Get-Content ./spec.json -Raw) -Options @{ schedule = @{ kind = 'Cosine' } }</code>
/// Trains a spec kept in a JSON file, with a cosine learning-rate schedule.
/// </example>
/// <example>
/// <code>Start-PortalTraining -DatasetId $train.Id -Spec fashion-cnn -Epochs 1</code>
/// Trains the ready convolutional network for one epoch.
/// </example>
/// <example>
/// <code>$spec = (Get-PortalModelVersion -Model fashion -Version 3).Spec; $spec.layers[-1].outFeatures = 4; Start-PortalTraining -DatasetId $shoes.Id -Spec $spec -FromModel fashion -FromVersion 3 -FreezeBody</code>
/// Fine-tunes version 3 of fashion on a four-class dataset: a new four-way head trains on the frozen body.
/// </example>
[Cmdlet(VerbsLifecycle.Start, "PortalTraining", SupportsShouldProcess = true, DefaultParameterSetName = "Scratch")]
[OutputType(typeof(RunView))]
public sealed class StartPortalTrainingCommand : PortalCmdlet
{
    private const string FineTuneSet = "FineTune";

    /// <summary>The dataset to train on; binds the DatasetId of a dataset piped in (from Get-PortalDataset or Import-PortalDataset).</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public Guid DatasetId { get; set; }

    /// <summary>The model spec: a ready spec's name (fashion-mlp, fashion-cnn, fashion-resnet), or its name, inputShape and layers as JSON text or a hashtable.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public object Spec { get; set; } = null!;

    /// <summary>The run's name (default: the spec's name and the UTC time).</summary>
    [Parameter]
    public string? Name { get; set; }

    /// <summary>Data the run is validated on after each epoch (validation loss and accuracy); none by default.</summary>
    [Parameter]
    public Guid? ValidationDatasetId { get; set; }

    /// <summary>Passes over the training data.</summary>
    [Parameter]
    [ValidateRange(1, 10_000)]
    public int? Epochs { get; set; }

    /// <summary>Samples per optimiser step.</summary>
    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int? BatchSize { get; set; }

    /// <summary>The optimiser's (initial) learning rate.</summary>
    [Parameter]
    public double? LearningRate { get; set; }

    /// <summary>The optimiser.</summary>
    [Parameter]
    [ValidateSet("Sgd", "Adam", "AdamW")]
    public string? Optimizer { get; set; }

    /// <summary>The random seed: the same seed gives the same loss curve.</summary>
    [Parameter]
    public int? Seed { get; set; }

    /// <summary>Any other training option (a hashtable), e.g. @{ schedule = @{ kind = 'Cosine' } }; the named parameters win.</summary>
    [Parameter]
    public object? Options { get; set; }

    /// <summary>The registered model whose version (-FromVersion) the run fine-tunes.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FineTuneSet)]
    [ValidateNotNullOrEmpty]
    public string? FromModel { get; set; }

    /// <summary>The version number of -FromModel the run fine-tunes: it starts from that version's weights.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FineTuneSet)]
    [ValidateRange(1, int.MaxValue)]
    public int? FromVersion { get; set; }

    /// <summary>When fine-tuning: train only the head; the rest keeps the version's weights and batch-norm statistics.</summary>
    [Parameter(ParameterSetName = FineTuneSet)]
    public SwitchParameter FreezeBody { get; set; }

    protected override void ProcessRecord()
    {
        var spec = PlainValue.Of(Spec)!;
        var options = new Dictionary<string, object?>();
        if (Options is not null)
        {
            if (PlainValue.Of(Options) is not Dictionary<string, object?> given)
            {
                WriteError(new ErrorRecord(new ArgumentException("-Options must be a hashtable, e.g. @{ weightDecay = 0.0001 }."), "PortalInvalidArgument", ErrorCategory.InvalidArgument, Options));
                return;
            }
            foreach (var (key, value) in given) options[key] = value;
        }
        void Set(string key, object? value)
        {
            if (value is not null) options[key] = value;
        }
        Set("epochs", Epochs);
        Set("batchSize", BatchSize);
        Set("learningRate", LearningRate);
        Set("optimizer", Optimizer);
        Set("seed", Seed);

        var specName = spec switch
        {
            Dictionary<string, object?> fields when fields.TryGetValue("name", out var n) && n is string s => s,
            string ready when !ready.TrimStart().StartsWith('{') => ready,
            _ => null,
        };
        // Runs are named; without -Name the spec's name and the time say what and when.
        var name = Name ?? $"{specName ?? "run"}-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
        var fromVersion = FromModel is { } model && FromVersion is { } version ? new FineTuneRequest(model, version, FreezeBody) : null;
        var start = fromVersion is null ? "" : $", fine-tuning {fromVersion.Model} v{fromVersion.Version}{(FreezeBody ? " (head only)" : "")}";
        if (!ShouldProcess($"run '{name}': {specName ?? "the given spec"} on dataset {DatasetId}{start}", "Start training")) return;
        if (TryCall(ct => Client.Runs.Create(DatasetId, spec, options, name, ValidationDatasetId, fromVersion, ct), DatasetId, out var run)) WriteObject(run);
    }
}

/// <summary>Gets training runs: one by id (with -Metrics its stored epochs, with -Steps its stored steps), or all.</summary>
/// <remarks>
/// Writes the run's state, progress, best epoch and stop reason, or every run, newest first; -Metrics adds one object
/// per finished epoch, -Steps one per optimiser step of the finished epochs (step, epoch, loss, learning rate).
/// </remarks>
/// <example>
/// <code>Get-PortalRun -Id $run.Id -Metrics -Steps</code>
/// The run, then its epochs, then its steps.
/// </example>
/// <example>
/// <code>Get-PortalRun | Where-Object State -eq Running</code>
/// The runs that are training now.
/// </example>
/// <example>
/// <code>Get-PortalModelVersion -Model fashion -Version 3 | Get-PortalRun</code>
/// The run whose weights became version 3 of fashion.
/// </example>
[Cmdlet(VerbsCommon.Get, "PortalRun", DefaultParameterSetName = "List")]
[OutputType(typeof(RunView), typeof(RunEpochView), typeof(RunStepPoint))]
public sealed class GetPortalRunCommand : PortalCmdlet
{
    /// <summary>The run's id (-Id is the same); binds the RunId of an object piped in: a run, or a version trained by it.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "ById", Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public Guid RunId { get; set; }

    /// <summary>Also write the run's stored curve (one object per epoch) after it.</summary>
    [Parameter(ParameterSetName = "ById")]
    public SwitchParameter Metrics { get; set; }

    /// <summary>Also write the run's stored step curve (one object per optimiser step of the finished epochs) last.</summary>
    [Parameter(ParameterSetName = "ById")]
    public SwitchParameter Steps { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == "List")
        {
            WriteAll(Client.Runs.ListAll(Stopped), null);
            return;
        }
        if (!TryCall(ct => Client.Runs.Get(RunId, ct), RunId, out var run)) return;
        WriteObject(run);
        if (Metrics && TryCall(ct => Client.Runs.Metrics(RunId, ct), RunId, out var curve)) WriteObject(curve, enumerateCollection: true);
        if (Steps && TryCall(ct => Client.Runs.Steps(RunId, ct), RunId, out var steps)) WriteObject(steps, enumerateCollection: true);
    }
}

/// <summary>Waits for a run to finish, with a progress bar from the live stream.</summary>
/// <remarks>
/// Follows the run's live events (steps, epochs, status) and shows the step progress; returns the finished run, and
/// writes an error if it did not succeed.
/// </remarks>
/// <example>
/// <code>$run | Wait-PortalRun -TimeoutSeconds 600</code>
/// Waits at most ten minutes for the run in $run.
/// </example>
[Cmdlet(VerbsLifecycle.Wait, "PortalRun")]
[OutputType(typeof(RunView))]
public sealed class WaitPortalRunCommand : PortalCmdlet
{
    /// <summary>The run's id (-Id is the same); binds the RunId of a run piped in (from Start-PortalTraining).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public Guid RunId { get; set; }

    /// <summary>Seconds to wait at most (default: as long as it takes); the run goes on in the portal.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? TimeoutSeconds { get; set; }

    protected override void ProcessRecord()
    {
        using var timeout = TimeoutSeconds is { } s ? new CancellationTokenSource(TimeSpan.FromSeconds(s)) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(Stopped, timeout.Token);
        // Each record is a new object: the engine keeps the records it is given, so one reused record would
        // show its last state everywhere.
        var activity = $"Training run {RunId}";
        var activityId = ActivityId(RunId);
        WriteProgress(new ProgressRecord(activityId, activity, "Waiting for the run to start"));
        try
        {
            foreach (var point in RunPoints.Follow(Client, RunId, 0, linked.Token))
            {
                if (point.Type == "step" && point.TotalSteps > 0)
                {
                    WriteProgress(new ProgressRecord(activityId, activity, $"Epoch {point.Epoch}, step {point.Step}/{point.TotalSteps}, loss {point.Loss:0.0000}")
                    {
                        PercentComplete = (int)Math.Min(100, 100 * point.Step!.Value / point.TotalSteps.Value),
                    });
                }
                else if (point.Type == "status")
                {
                    WriteProgress(new ProgressRecord(activityId, activity, $"{point.State}"));
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !Stopped.IsCancellationRequested)
        {
            WriteError(new ErrorRecord(new TimeoutException($"Run {RunId} did not finish within {TimeoutSeconds} seconds."), "PortalWaitTimeout", ErrorCategory.OperationTimeout, RunId));
            return;
        }
        catch (Exception e) when (AsErrorRecord(e, RunId) is { } record)
        {
            WriteError(record);
            return;
        }
        finally
        {
            WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
        if (!TryCall(ct => Client.Runs.Get(RunId, ct), RunId, out var run)) return;
        WriteObject(run);
        if (run.State != JobState.Succeeded)
        {
            WriteError(new ErrorRecord(new InvalidOperationException($"Run {run.Name} ({run.Id}) ended {run.State}{(run.Error is { } error ? $": {error}" : ".")}"),
                "PortalRunNotSucceeded", ErrorCategory.OperationStopped, run));
        }
    }

    private static int ActivityId(Guid id) => id.GetHashCode() & 0x7fffffff;
}

/// <summary>Writes every live point of a run as it arrives, until it finishes.</summary>
/// <remarks>
/// Steps, epochs and status changes, in order, each once: the watch starts with the run's history and resumes after a
/// dropped connection from the last point it saw.
/// </remarks>
/// <example>
/// <code>Watch-PortalRun -Id $run.Id | Where-Object Type -eq epoch</code>
/// Each epoch's losses and accuracies as the epoch ends.
/// </example>
[Cmdlet(VerbsCommon.Watch, "PortalRun")]
[OutputType(typeof(RunPoint))]
public sealed class WatchPortalRunCommand : PortalCmdlet
{
    /// <summary>The run's id (-Id is the same); binds the RunId of a run piped in.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public Guid RunId { get; set; }

    /// <summary>Start after this sequence number (0: from the run's first point).</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long AfterSequence { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            foreach (var point in RunPoints.Follow(Client, RunId, AfterSequence, Stopped)) WriteObject(point);
        }
        catch (Exception e) when (AsErrorRecord(e, RunId) is { } record)
        {
            WriteError(record);
        }
    }
}

/// <summary>Cancels a training run.</summary>
/// <remarks>
/// The run stops after its current step; the epochs it finished are kept.
/// </remarks>
/// <example>
/// <code>Stop-PortalRun -Id $run.Id -Confirm:$false</code>
/// Cancels the run without asking first.
/// </example>
[Cmdlet(VerbsLifecycle.Stop, "PortalRun", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(RunView))]
public sealed class StopPortalRunCommand : PortalCmdlet
{
    /// <summary>The run's id (-Id is the same); binds the RunId of a run piped in.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public Guid RunId { get; set; }

    /// <summary>Write the run once it has stopped (a running run stops after its current step).</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"run {RunId}", "Stop")) return;
        if (!TryCall(ct => Client.Runs.Cancel(RunId, ct), RunId, out var job) || !PassThru) return;
        if (!job.State.IsFinished())
        {
            // A running run stops after its current step: the run written is the stopped one, not the one still running.
            try
            {
                _ = RunPoints.Follow(Client, RunId, 0, Stopped).LastOrDefault();
            }
            catch (Exception e) when (AsErrorRecord(e, RunId) is { } record)
            {
                WriteError(record);
                return;
            }
        }
        if (TryCall(ct => Client.Runs.Get(RunId, ct), RunId, out var run)) WriteObject(run);
    }
}

/// <summary>One live point of a run, flattened for tables: a step, an epoch or a status change.</summary>
public sealed record RunPoint(
    Guid RunId, long Sequence, DateTimeOffset Time, string Type, int? Epoch, long? Step, long? TotalSteps, double? Loss,
    double? LearningRate, double? SamplesPerSecond, double? TrainAccuracy, double? ValidationLoss, double? ValidationAccuracy,
    JobState? State, string? Error);

internal static class RunPoints
{
    /// <summary>The run's points from the live hub, on the calling thread, until its job finishes.</summary>
    public static IEnumerable<RunPoint> Follow(Portal.Client.PortalClient client, Guid runId, long afterSequence, CancellationToken ct)
    {
        var stream = client.Live.Watch(LiveTopics.Run(runId), afterSequence, ct).GetAsyncEnumerator(ct);
        try
        {
            while (stream.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                var point = Of(runId, stream.Current);
                yield return point;
                if (point.State is { } state && state.IsFinished()) yield break;
            }
        }
        finally
        {
            stream.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    public static RunPoint Of(Guid runId, LiveMessage m)
    {
        switch (m.Type)
        {
            case "step":
                var s = m.As<RunStep>();
                return new RunPoint(runId, m.Sequence, m.Time, m.Type, s.Epoch, s.Step, s.TotalSteps, s.Loss, s.LearningRate, s.SamplesPerSecond, null, null, null, null, null);
            case "epoch":
                var e = m.As<RunEpochView>();
                return new RunPoint(runId, m.Sequence, m.Time, m.Type, e.Epoch, null, null, e.TrainLoss, e.LearningRate, e.SamplesPerSecond, e.TrainAccuracy, e.ValidationLoss, e.ValidationAccuracy, null, null);
            case "status":
                var j = m.As<JobStatusEvent>();
                return new RunPoint(runId, m.Sequence, m.Time, m.Type, null, null, null, null, null, null, null, null, null, j.State, j.Error);
            default:
                return new RunPoint(runId, m.Sequence, m.Time, m.Type, null, null, null, null, null, null, null, null, null, null, null);
        }
    }
}
