using System.Management.Automation;
using Portal.Client.Models;

namespace Portal.PowerShell.Cmdlets;

/// <summary>Get-PortalModel: one model by name, or every model (wildcards allowed).</summary>
[Cmdlet(VerbsCommon.Get, "PortalModel")]
[OutputType(typeof(Model))]
public sealed class GetPortalModelCommand : PortalCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Model")]
    [SupportsWildcards]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        if (Name is not null && !WildcardPattern.ContainsWildcardCharacters(Name))
        {
            if (TryCall(ct => Client.Models.Get(Name, ct), Name, out var model)) WriteObject(model);
            return;
        }
        var pattern = Name is null ? null : new WildcardPattern(Name, WildcardOptions.IgnoreCase);
        var enumerator = Client.Models.ListAll(Stopped).GetAsyncEnumerator(Stopped);
        try
        {
            while (TryCall(async _ => await enumerator.MoveNextAsync(), Name, out var moved) && moved)
            {
                if (pattern is null || pattern.IsMatch(enumerator.Current.Name)) WriteObject(enumerator.Current);
            }
        }
        finally
        {
            Await(enumerator.DisposeAsync().AsTask());
        }
    }
}

/// <summary>Get-PortalModelVersion: a model's versions (newest first), or one version in full with -Version.</summary>
[Cmdlet(VerbsCommon.Get, "PortalModelVersion")]
[OutputType(typeof(ModelVersionSummary), typeof(ModelVersion))]
public sealed class GetPortalModelVersionCommand : PortalCmdlet
{
    /// <summary>The model; binds the Name of a model piped in.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ValidateNotNullOrEmpty]
    public string Model { get; set; } = "";

    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("Number")]
    [ValidateRange(1, int.MaxValue)]
    public int? Version { get; set; }

    /// <summary>Only the newest n versions.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int? First { get; set; }

    protected override void ProcessRecord()
    {
        if (Version is { } number)
        {
            if (TryCall(ct => Client.Models.GetVersion(Model, number, ct), $"{Model} v{number}", out var version)) WriteObject(version);
            return;
        }
        var written = 0;
        var enumerator = Client.Models.ListAllVersions(Model, Stopped).GetAsyncEnumerator(Stopped);
        try
        {
            while ((First is null || written < First) && TryCall(async _ => await enumerator.MoveNextAsync(), Model, out var moved) && moved)
            {
                WriteObject(enumerator.Current);
                written++;
            }
        }
        finally
        {
            Await(enumerator.DisposeAsync().AsTask());
        }
    }
}

/// <summary>New-PortalModel: registers a model name (its versions come from runs).</summary>
[Cmdlet(VerbsCommon.New, "PortalModel", SupportsShouldProcess = true)]
[OutputType(typeof(Model))]
public sealed class NewPortalModelCommand : PortalCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter]
    public string? Description { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"model '{Name}'", "Create")) return;
        if (TryCall(ct => Client.Models.Create(Name, Description, ct), Name, out var model)) WriteObject(model);
    }
}

/// <summary>Register-PortalModelVersion: makes a finished run's weights the model's next version (exported to ONNX and measured on held-out data).</summary>
[Cmdlet(VerbsLifecycle.Register, "PortalModelVersion", SupportsShouldProcess = true)]
[OutputType(typeof(ModelVersion))]
public sealed class RegisterPortalModelVersionCommand : PortalCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Model { get; set; } = "";

    /// <summary>The run; binds the Id of a run piped in.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public Guid RunId { get; set; }

    /// <summary>Held-out data for the evidence (not the run's training set).</summary>
    [Parameter]
    public Guid? EvaluationDatasetId { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"run {RunId} as the next version of '{Model}'", "Register")) return;
        if (TryCall(ct => Client.Models.RegisterVersion(Model, RunId, EvaluationDatasetId, ct), RunId, out var version)) WriteObject(version);
    }
}

/// <summary>Import-PortalModelVersion: registers an ONNX file made elsewhere (or by Export-PortalRun) as a model's next version.</summary>
[Cmdlet(VerbsData.Import, "PortalModelVersion", SupportsShouldProcess = true)]
[OutputType(typeof(ModelVersion))]
public sealed class ImportPortalModelVersionCommand : PortalCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Model { get; set; } = "";

    /// <summary>The .onnx file; binds the FullName of a file piped in (from Export-PortalRun or Get-Item).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Held-out data the portal measures the version's accuracy on; without it the version has latency evidence only.</summary>
    [Parameter]
    public Guid? EvaluationDatasetId { get; set; }

    protected override void ProcessRecord()
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        if (!File.Exists(path))
        {
            WriteError(new ErrorRecord(new FileNotFoundException($"No file '{path}'.", path), "PortalFileNotFound", ErrorCategory.ObjectNotFound, path));
            return;
        }
        if (!ShouldProcess($"{path} as the next version of '{Model}'", "Import")) return;
        var ok = TryCall(async ct =>
        {
            using var onnx = File.OpenRead(path);
            return await Client.Models.ImportVersion(Model, onnx, System.IO.Path.GetFileName(path), EvaluationDatasetId, ct);
        }, path, out var version);
        if (ok) WriteObject(version);
    }
}
