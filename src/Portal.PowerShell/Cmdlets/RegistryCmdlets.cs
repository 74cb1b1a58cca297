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
