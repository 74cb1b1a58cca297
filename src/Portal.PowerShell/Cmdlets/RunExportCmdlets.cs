using System.Management.Automation;

namespace Portal.PowerShell.Cmdlets;

/// <summary>Exports a finished run's weights to ONNX and saves the file.</summary>
/// <remarks>
/// The portal exports the run's trained weights to an ONNX file in a job; the cmdlet shows the job's progress from the
/// live stream, then downloads the file to -Path and returns it. An existing file is replaced only with -Force. A run
/// without weights yet, or already being exported, is an error record with the portal's message.
/// </remarks>
/// <example>
/// <code>Get-PortalRun -Id $run.Id | Export-PortalRun -Path ./model.onnx</code>
/// </example>
/// <example>
/// <code>Export-PortalRun -Id $run.Id -Path ./model.onnx -Force -TimeoutSeconds 300</code>
/// Replaces ./model.onnx, waiting at most five minutes for the export.
/// </example>
[Cmdlet(VerbsData.Export, "PortalRun", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportPortalRunCommand : PortalJobCmdlet
{
    /// <summary>The run (-Id is the same); binds the RunId of a run piped in.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public Guid RunId { get; set; }

    /// <summary>Where the .onnx file goes.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Replace the file if it exists.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        if (File.Exists(path) && !Force)
        {
            WriteError(new ErrorRecord(new IOException($"{path} exists; use -Force to replace it."), "PortalFileExists", ErrorCategory.ResourceExists, path));
            return;
        }
        if (!ShouldProcess($"run {RunId} to ONNX at {path}", "Export")) return;
        if (!TryCall(ct => Client.Runs.Export(RunId, ct), RunId, out var job)) return;
        if (!WaitForJob(job.Id, $"Exporting run {RunId} to ONNX", RunId)) return;
        if (!TryCall(ct => Client.Runs.Onnx(RunId, ct), RunId, out var onnx)) return;
        try
        {
            File.WriteAllBytes(path, onnx);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(e, "PortalFile", ErrorCategory.WriteError, path));
            return;
        }
        WriteObject(new FileInfo(path));
    }
}
