using System.Management.Automation;
using Portal.Client.Live;
using Portal.Client.Models;
using Portal.Contracts.Compression;
using Portal.Contracts.Jobs;
using Portal.Contracts.Registry;
using JobState = Portal.Contracts.Jobs.JobState;

namespace Portal.PowerShell.Cmdlets;

/// <summary>Compresses a model version by pruning, int8 quantization or distillation, and returns the new version.</summary>
/// <remarks>
/// <para>
/// -Prune sets weights to zero (-Sparsity, optionally -Gradual) or, with -Structured, removes whole neurons and
/// channels (-Ratio); -FineTuneEpochs trains afterwards. -Quantize makes an int8 ONNX model whose activations are
/// calibrated on -CalibrationSamples training samples or, for a model on token ids or with -Activations Dynamic,
/// quantised at run time; layers that cost more than -TolerancePoints of test accuracy stay float32.
/// -Distill trains -Student (a ready spec's name, JSON text or a hashtable) with the version as teacher (-Alpha,
/// -Temperature, -Epochs).
/// </para>
/// <para>
/// The job runs in the portal; the cmdlet shows its stages and steps from the live stream and returns the new
/// version, whose lineage names the parent and the recipe and whose evidence compares both. -NoWait returns the
/// queued compression instead. A recipe the portal refuses is an error record with the portal's message.
/// </para>
/// </remarks>
/// <example>
/// <code>Get-PortalModelVersion -Model fashion -Version 3 | Invoke-PortalCompression -Quantize -TolerancePoints 1</code>
/// An int8 copy of version 3; any layer that costs more than one point of accuracy stays float32.
/// </example>
/// <example>
/// <code>Invoke-PortalCompression -Model fashion -Version 3 -Prune -Structured -Ratio 0.5 -FineTuneEpochs 2</code>
/// Half of each hidden layer's neurons or channels removed, then two epochs of fine-tuning.
/// </example>
/// <example>
/// <code>Invoke-PortalCompression -Model fashion -Version 3 -Distill -Student fashion-mlp -Epochs 5 -Alpha 0.5 -Temperature 4</code>
/// The ready spec fashion-mlp trained for five epochs on version 3's soft targets.
/// </example>
[Cmdlet(VerbsLifecycle.Invoke, "PortalCompression", SupportsShouldProcess = true, DefaultParameterSetName = QuantizeSet)]
[OutputType(typeof(VersionView), typeof(CompressionView))]
public sealed class InvokePortalCompressionCommand : PortalCmdlet
{
    private const string PruneSet = "Prune";
    private const string QuantizeSet = "Quantize";
    private const string DistillSet = "Distill";

    /// <summary>The model; binds the Model of a version piped in from Get-PortalModelVersion.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Model { get; set; } = "";

    /// <summary>The version to compress (the parent of the new version); binds Number.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Number")]
    [ValidateRange(1, int.MaxValue)]
    public int Version { get; set; }

    /// <summary>Prune: unstructured (-Sparsity) or, with -Structured, structured (-Ratio).</summary>
    [Parameter(Mandatory = true, ParameterSetName = PruneSet)]
    public SwitchParameter Prune { get; set; }

    /// <summary>Unstructured pruning: the fraction of weights set to zero, in (0, 1) (server default 0.8).</summary>
    [Parameter(ParameterSetName = PruneSet)]
    public double? Sparsity { get; set; }

    /// <summary>Remove whole neurons and channels (-Ratio of each hidden layer) instead of single weights.</summary>
    [Parameter(ParameterSetName = PruneSet)]
    public SwitchParameter Structured { get; set; }

    /// <summary>Structured pruning: the fraction of each hidden layer's neurons or channels removed, in (0, 1) (server default 0.5).</summary>
    [Parameter(ParameterSetName = PruneSet)]
    public double? Ratio { get; set; }

    /// <summary>Unstructured pruning: raise the sparsity gradually during fine-tuning (needs -FineTuneEpochs).</summary>
    [Parameter(ParameterSetName = PruneSet)]
    public SwitchParameter Gradual { get; set; }

    /// <summary>Epochs of fine-tuning after (gradual: during) pruning; none by default.</summary>
    [Parameter(ParameterSetName = PruneSet)]
    [ValidateRange(1, 10_000)]
    public int? FineTuneEpochs { get; set; }

    /// <summary>Quantize to int8: calibrated on training samples (ONNX QDQ), or with -Activations Dynamic at run time.</summary>
    [Parameter(Mandatory = true, ParameterSetName = QuantizeSet)]
    public SwitchParameter Quantize { get; set; }

    /// <summary>Auto (server default: Dynamic for a model on token ids, Calibrated otherwise), Calibrated or Dynamic.</summary>
    [Parameter(ParameterSetName = QuantizeSet)]
    [ValidateSet("Auto", "Calibrated", "Dynamic")]
    public string? Activations { get; set; }

    /// <summary>Training samples the activation ranges are calibrated on (server default 1000).</summary>
    [Parameter(ParameterSetName = QuantizeSet)]
    public int? CalibrationSamples { get; set; }

    /// <summary>The largest test-accuracy drop accepted, in points (server default 1); worse layers stay float32.</summary>
    [Parameter(ParameterSetName = QuantizeSet)]
    public double? TolerancePoints { get; set; }

    /// <summary>Distill the version (the teacher) into -Student.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DistillSet)]
    public SwitchParameter Distill { get; set; }

    /// <summary>The student: a ready spec's name, JSON text or a hashtable (as Start-PortalTraining's -Spec).</summary>
    [Parameter(Mandatory = true, ParameterSetName = DistillSet)]
    [ValidateNotNull]
    public object Student { get; set; } = null!;

    /// <summary>Weight of the hard labels, in [0, 1] (server default 0.5).</summary>
    [Parameter(ParameterSetName = DistillSet)]
    public double? Alpha { get; set; }

    /// <summary>Softmax temperature of the teacher's soft targets (server default 4).</summary>
    [Parameter(ParameterSetName = DistillSet)]
    public double? Temperature { get; set; }

    /// <summary>Epochs the student trains (server default 5).</summary>
    [Parameter(ParameterSetName = DistillSet)]
    [ValidateRange(1, 10_000)]
    public int? Epochs { get; set; }

    /// <summary>Batch size of fine-tuning or distillation.</summary>
    [Parameter(ParameterSetName = PruneSet)]
    [Parameter(ParameterSetName = DistillSet)]
    [ValidateRange(1, 1_000_000)]
    public int? BatchSize { get; set; }

    /// <summary>Fine-tuning, distillation and calibration data (default: the data the version was trained on).</summary>
    [Parameter]
    public Guid? TrainDatasetId { get; set; }

    /// <summary>Where parent and child accuracy are measured (default: the data the version was evaluated on).</summary>
    [Parameter]
    public Guid? TestDatasetId { get; set; }

    /// <summary>Return the queued compression at once instead of waiting for the new version.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>Seconds to wait at most (default: as long as it takes); the compression goes on in the portal.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? TimeoutSeconds { get; set; }

    protected override void ProcessRecord()
    {
        var target = $"{Model} v{Version}";
        CompressionRecipe recipe;
        try
        {
            recipe = Recipe();
        }
        catch (ArgumentException e)
        {
            WriteError(new ErrorRecord(e, "PortalInvalidArgument", ErrorCategory.InvalidArgument, target));
            return;
        }
        if (!ShouldProcess($"version {Version} of '{Model}'", $"Compress ({Describe(recipe)})")) return;
        if (!TryCall(ct => Client.Compressions.Request(Model, Version, recipe, TrainDatasetId, TestDatasetId, ct), target, out var compression)) return;
        if (NoWait)
        {
            WriteObject(compression);
            return;
        }
        if (!WaitFor(compression)) return;
        if (!TryCall(ct => Client.Compressions.Get(compression.Id, ct), compression, out compression)) return;
        if (compression is not { State: JobState.Succeeded, ResultVersion: { } result })
        {
            WriteError(new ErrorRecord(
                new InvalidOperationException($"Compressing {target} ({compression.Method}) ended {compression.State}{(compression.Error is { } error ? $": {error}" : ".")}"),
                "PortalCompressionNotSucceeded", ErrorCategory.OperationStopped, compression));
            return;
        }
        if (TryCall(ct => Client.Models.GetVersion(compression.Model, result, ct), compression, out var version)) WriteObject(version);
    }

    private CompressionRecipe Recipe()
    {
        switch (ParameterSetName)
        {
            case PruneSet:
                var fineTuning = FineTuneEpochs is null && BatchSize is null ? null : new TrainingSettings { Epochs = FineTuneEpochs, BatchSize = BatchSize };
                if (Structured)
                {
                    if (Sparsity is not null || Gradual)
                        throw new ArgumentException("-Sparsity and -Gradual are for unstructured pruning; structured pruning removes the -Ratio of each layer's neurons or channels.");
                    return new StructuredPruning(Ratio ?? 0.5) { FineTuning = fineTuning };
                }
                if (Ratio is not null) throw new ArgumentException("-Ratio is for structured pruning (-Structured); unstructured pruning takes -Sparsity.");
                return new UnstructuredPruning(Sparsity ?? 0.8) { Schedule = Gradual ? "Gradual" : null, FineTuning = fineTuning };
            case DistillSet:
                return new Distillation(PlainValue.Of(Student)!, new TrainingSettings { Epochs = Epochs, BatchSize = BatchSize })
                {
                    Alpha = Alpha,
                    Temperature = Temperature,
                };
            default:
                return new Int8Quantization { Activations = Activations, CalibrationSamples = CalibrationSamples, TolerancePoints = TolerancePoints };
        }
    }

    private static string Describe(CompressionRecipe recipe) => recipe switch
    {
        UnstructuredPruning u => $"prune-unstructured to sparsity {u.Sparsity}",
        StructuredPruning s => $"prune-structured by ratio {s.Ratio}",
        Distillation { Student: string name } when !name.TrimStart().StartsWith('{') => $"distill into {name}",
        Distillation => "distill into the given student",
        _ => "quantize-int8",
    };

    /// <summary>Follows the compression's live topic to its end, writing progress; false (and an error written) if the wait failed.</summary>
    private bool WaitFor(CompressionView compression)
    {
        using var timeout = TimeoutSeconds is { } s ? new CancellationTokenSource(TimeSpan.FromSeconds(s)) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(Stopped, timeout.Token);
        var activity = $"Compressing {Model} v{Version} ({compression.Method})";
        var activityId = compression.Id.GetHashCode() & 0x7fffffff;
        var percent = 0;
        var stage = "Queued";
        // Each record is a new object: the engine keeps the records it is given.
        void Report(string status) => WriteProgress(new ProgressRecord(activityId, activity, status) { PercentComplete = percent });
        Report(stage);
        var stream = Client.Live.Watch(LiveTopics.Compression(compression.Id), 0, linked.Token).GetAsyncEnumerator(linked.Token);
        try
        {
            while (Await(stream.MoveNextAsync().AsTask()))
            {
                var message = stream.Current;
                switch (message.Type)
                {
                    case "stage":
                        var started = message.As<CompressionStageEvent>();
                        stage = string.IsNullOrEmpty(started.Detail) ? started.Stage : $"{started.Stage}: {started.Detail}";
                        Report(stage);
                        break;
                    case "step":
                        var step = message.As<CompressionStepEvent>();
                        // As the server counts it: training is the first nine tenths, measuring and registering the rest.
                        if (step.TotalSteps > 0) percent = Math.Max(percent, (int)Math.Min(90, 90 * step.Step / step.TotalSteps));
                        Report($"{stage} (epoch {step.Epoch}, step {step.Step}/{step.TotalSteps}, loss {step.Loss:0.0000})");
                        break;
                    case "status":
                        var status = message.As<JobStatusEvent>();
                        if (status.State == JobState.Succeeded) percent = 100;
                        else if (status.State == JobState.Running) percent = Math.Max(percent, (int)Math.Min(100, 100 * status.Progress));
                        Report(status.State == JobState.Running ? stage : status.State.ToString());
                        if (status.State.IsFinished()) return true;
                        break;
                }
            }
            return true;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !Stopped.IsCancellationRequested)
        {
            WriteError(new ErrorRecord(new TimeoutException($"Compression {compression.Id} of {Model} v{Version} did not finish within {TimeoutSeconds} seconds; it goes on in the portal."),
                "PortalWaitTimeout", ErrorCategory.OperationTimeout, compression));
            return false;
        }
        catch (Exception e) when (AsErrorRecord(e, compression) is { } record)
        {
            WriteError(record);
            return false;
        }
        finally
        {
            Await(stream.DisposeAsync().AsTask());
            WriteProgress(new ProgressRecord(activityId, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }
}
