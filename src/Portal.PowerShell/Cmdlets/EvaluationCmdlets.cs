using System.Management.Automation;
using Portal.Client.Models;

namespace Portal.PowerShell.Cmdlets;

/// <summary>
/// Start-PortalEvaluation: queues an evaluation job of a version on a dataset (its ONNX file through ONNX Runtime),
/// and with -Wait follows it and returns the finished evaluation with its classification report.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "PortalEvaluation", SupportsShouldProcess = true)]
[OutputType(typeof(Evaluation))]
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
