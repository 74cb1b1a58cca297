using System.Management.Automation;
using Portal.Client.Live;
using Portal.Client.Models;
using JobState = Portal.Client.Models.JobState;

namespace Portal.PowerShell.Cmdlets;

/// <summary>Start-PortalTraining: queues a training run of a model spec on a dataset.</summary>
[Cmdlet(VerbsLifecycle.Start, "PortalTraining", SupportsShouldProcess = true)]
[OutputType(typeof(Run))]
public sealed class StartPortalTrainingCommand : PortalCmdlet
{
    /// <summary>The dataset to train on; binds the Id of a dataset piped in.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public Guid DatasetId { get; set; }

    /// <summary>The model spec: JSON text or a hashtable.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public object Spec { get; set; } = null!;

    /// <summary>Default: the spec's name and the UTC time.</summary>
    [Parameter]
    public string? Name { get; set; }

    [Parameter]
    public Guid? ValidationDatasetId { get; set; }

    [Parameter]
    [ValidateRange(1, 10_000)]
    public int? Epochs { get; set; }

    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int? BatchSize { get; set; }

    [Parameter]
    public double? LearningRate { get; set; }

    [Parameter]
    [ValidateSet("Sgd", "Adam", "AdamW")]
    public string? Optimizer { get; set; }

    [Parameter]
    public int? Seed { get; set; }

    /// <summary>Any other training option (a hashtable), e.g. @{ schedule = @{ kind = 'Cosine' } }; the named parameters win.</summary>
    [Parameter]
    public object? Options { get; set; }

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

        var specName = spec is Dictionary<string, object?> fields && fields.TryGetValue("name", out var n) && n is string s ? s : null;
        // Runs are named; without -Name the spec's name and the time say what and when.
        var name = Name ?? $"{specName ?? "run"}-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
        if (!ShouldProcess($"run '{name}': {specName ?? "the given spec"} on dataset {DatasetId}", "Start training")) return;
        if (TryCall(ct => Client.Runs.Create(DatasetId, spec, options, name, ValidationDatasetId, ct), DatasetId, out var run)) WriteObject(run);
    }
}

/// <summary>Get-PortalRun: one run by id, or every run (newest first).</summary>
[Cmdlet(VerbsCommon.Get, "PortalRun", DefaultParameterSetName = "List")]
[OutputType(typeof(Run), typeof(RunEpoch), typeof(RunStepPoint))]
public sealed class GetPortalRunCommand : PortalCmdlet
{
    [Parameter(Mandatory = true, ParameterSetName = "ById", Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RunId")]
    public Guid Id { get; set; }

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
        if (!TryCall(ct => Client.Runs.Get(Id, ct), Id, out var run)) return;
        WriteObject(run);
        if (Metrics && TryCall(ct => Client.Runs.Metrics(Id, ct), Id, out var curve)) WriteObject(curve, enumerateCollection: true);
        if (Steps && TryCall(ct => Client.Runs.Steps(Id, ct), Id, out var steps)) WriteObject(steps, enumerateCollection: true);
    }
}

/// <summary>Wait-PortalRun: waits for a run to finish, showing its progress from the live stream, and returns it.</summary>
[Cmdlet(VerbsLifecycle.Wait, "PortalRun")]
[OutputType(typeof(Run))]
public sealed class WaitPortalRunCommand : PortalCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RunId")]
    public Guid Id { get; set; }

    /// <summary>Seconds to wait at most (default: as long as it takes).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? TimeoutSeconds { get; set; }

    protected override void ProcessRecord()
    {
        using var timeout = TimeoutSeconds is { } s ? new CancellationTokenSource(TimeSpan.FromSeconds(s)) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(Stopped, timeout.Token);
        // Each record is a new object: the engine keeps the records it is given, so one reused record would
        // show its last state everywhere.
        var activity = $"Training run {Id}";
        var activityId = ActivityId(Id);
        WriteProgress(new ProgressRecord(activityId, activity, "Waiting for the run to start"));
        try
        {
            foreach (var point in RunPoints.Follow(Client, Id, 0, linked.Token))
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
            WriteError(new ErrorRecord(new TimeoutException($"Run {Id} did not finish within {TimeoutSeconds} seconds."), "PortalWaitTimeout", ErrorCategory.OperationTimeout, Id));
            return;
        }
        catch (Exception e) when (AsErrorRecord(e, Id) is { } record)
        {
            WriteError(record);
            return;
        }
        finally
        {
            WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
        if (!TryCall(ct => Client.Runs.Get(Id, ct), Id, out var run)) return;
        WriteObject(run);
        if (run.State != JobState.Succeeded)
        {
            WriteError(new ErrorRecord(new InvalidOperationException($"Run {run.Name} ({run.Id}) ended {run.State}{(run.Error is { } error ? $": {error}" : ".")}"),
                "PortalRunNotSucceeded", ErrorCategory.OperationStopped, run));
        }
    }

    private static int ActivityId(Guid id) => id.GetHashCode() & 0x7fffffff;
}

/// <summary>Watch-PortalRun: writes every point of a run (steps, epochs, status changes) as it arrives, until the run finishes.</summary>
[Cmdlet(VerbsCommon.Watch, "PortalRun")]
[OutputType(typeof(RunPoint))]
public sealed class WatchPortalRunCommand : PortalCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RunId")]
    public Guid Id { get; set; }

    /// <summary>Start after this sequence number (0: from the run's first point).</summary>
    [Parameter]
    [ValidateRange(0, long.MaxValue)]
    public long AfterSequence { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            foreach (var point in RunPoints.Follow(Client, Id, AfterSequence, Stopped)) WriteObject(point);
        }
        catch (Exception e) when (AsErrorRecord(e, Id) is { } record)
        {
            WriteError(record);
        }
    }
}

/// <summary>Stop-PortalRun: cancels a run (it stops after its current step; finished epochs are kept).</summary>
[Cmdlet(VerbsLifecycle.Stop, "PortalRun", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(Run))]
public sealed class StopPortalRunCommand : PortalCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("RunId")]
    public Guid Id { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"run {Id}", "Stop")) return;
        if (!TryCall(ct => Client.Runs.Cancel(Id, ct), Id, out _)) return;
        if (PassThru && TryCall(ct => Client.Runs.Get(Id, ct), Id, out var run)) WriteObject(run);
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
                var e = m.As<RunEpoch>();
                return new RunPoint(runId, m.Sequence, m.Time, m.Type, e.Epoch, null, null, e.TrainLoss, e.LearningRate, e.SamplesPerSecond, e.TrainAccuracy, e.ValidationLoss, e.ValidationAccuracy, null, null);
            case "status":
                var j = m.As<JobStatus>();
                return new RunPoint(runId, m.Sequence, m.Time, m.Type, null, null, null, null, null, null, null, null, null, j.State, j.Error);
            default:
                return new RunPoint(runId, m.Sequence, m.Time, m.Type, null, null, null, null, null, null, null, null, null, null, null);
        }
    }
}
