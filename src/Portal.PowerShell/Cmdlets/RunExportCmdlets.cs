using System.Management.Automation;

namespace Portal.PowerShell.Cmdlets;

/// <summary>
/// Export-PortalRun: has the portal export a finished run's weights to ONNX (a job, with progress), then saves the
/// ONNX file to -Path and returns it.
/// </summary>
[Cmdlet(VerbsData.Export, "PortalRun", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportPortalRunCommand : PortalJobCmdlet
{
    /// <summary>The run; binds the Id of a run piped in.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("RunId")]
    public Guid Id { get; set; }

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
        if (!ShouldProcess($"run {Id} to ONNX at {path}", "Export")) return;
        if (!TryCall(ct => Client.Runs.Export(Id, ct), Id, out var job)) return;
        if (!WaitForJob(job.Id, $"Exporting run {Id} to ONNX", Id)) return;
        if (!TryCall(ct => Client.Runs.Onnx(Id, ct), Id, out var onnx)) return;
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
