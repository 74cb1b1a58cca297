using System.Management.Automation;
using Portal.Contracts.Evaluations;

namespace Portal.PowerShell.Cmdlets;

/// <summary>Measures a model version on a dataset in an evaluation job.</summary>
/// <remarks>
/// The portal runs the version's ONNX file through ONNX Runtime over -DatasetId and records its accuracy and
/// classification report (per-class precision, recall and F1, and the confusion matrix); the version's registration
/// evidence is not changed. A dataset that does not fit the version is refused at once. Without -Wait the queued
/// evaluation is returned; with -Wait the cmdlet shows the job's progress and returns the finished evaluation with its
/// report.
/// </remarks>
/// <example>
/// <code>Get-PortalModelVersion -Model fashion -Version 3 | Start-PortalEvaluation -DatasetId $test.Id -Wait</code>
/// </example>
/// <example>
/// <code>(Start-PortalEvaluation -Model fashion -Version 3 -DatasetId $test.Id -Wait).Report.ConfusionMatrix</code>
/// The confusion matrix of version 3 on the dataset in $test.
/// </example>
[Cmdlet(VerbsLifecycle.Start, "PortalEvaluation", SupportsShouldProcess = true)]
[OutputType(typeof(EvaluationView))]
public sealed class StartPortalEvaluationCommand : PortalJobCmdlet
{
    /// <summary>The model; binds the Model of a version piped in from Get-PortalModelVersion.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Model { get; set; } = "";

    /// <summary>The version to measure; binds Number.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Number")]
    [ValidateRange(1, int.MaxValue)]
    public int Version { get; set; }

    /// <summary>The data to measure it on (it must fit the version's input).</summary>
    [Parameter(Mandatory = true)]
    public Guid DatasetId { get; set; }

    /// <summary>Wait for the job, showing its progress, and return the evaluation with its figures.</summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    protected override void ProcessRecord()
    {
        var target = $"{Model} v{Version}";
        if (!ShouldProcess($"version {Version} of '{Model}' on dataset {DatasetId}", "Evaluate")) return;
        if (!TryCall(ct => Client.Evaluations.Request(Model, Version, DatasetId, ct), target, out var evaluation)) return;
        if (Wait)
        {
            if (!WaitForJob(evaluation.JobId, $"Evaluating {target} on {evaluation.Dataset ?? DatasetId.ToString()}", evaluation)) return;
            if (!TryCall(ct => Client.Evaluations.Get(evaluation.Id, ct), evaluation, out evaluation)) return;
        }
        WriteObject(evaluation);
    }
}
