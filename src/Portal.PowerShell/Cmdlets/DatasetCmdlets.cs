using System.Management.Automation;
using Portal.Client.Models;

namespace Portal.PowerShell.Cmdlets;

/// <summary>Get-PortalDataset: one by id, or all (optionally by name, wildcards allowed).</summary>
[Cmdlet(VerbsCommon.Get, "PortalDataset", DefaultParameterSetName = "List")]
[OutputType(typeof(Dataset))]
public sealed class GetPortalDatasetCommand : PortalCmdlet
{
    [Parameter(Mandatory = true, ParameterSetName = "ById", ValueFromPipelineByPropertyName = true)]
    [Alias("DatasetId")]
    public Guid Id { get; set; }

    [Parameter(ParameterSetName = "List", Position = 0)]
    [SupportsWildcards]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == "ById")
        {
            if (TryCall(ct => Client.Datasets.Get(Id, ct), Id, out var dataset)) WriteObject(dataset);
            return;
        }
        var pattern = Name is null ? null : new WildcardPattern(Name, WildcardOptions.IgnoreCase);
        var enumerator = Client.Datasets.ListAll(Stopped).GetAsyncEnumerator(Stopped);
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

/// <summary>Import-PortalDataset: uploads IDX images and labels, or a CSV file; the server validates them.</summary>
[Cmdlet(VerbsData.Import, "PortalDataset", SupportsShouldProcess = true, DefaultParameterSetName = "Idx")]
[OutputType(typeof(Dataset))]
public sealed class ImportPortalDatasetCommand : PortalCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = "Idx")]
    public string ImagesPath { get; set; } = "";

    [Parameter(Mandatory = true, ParameterSetName = "Idx")]
    public string LabelsPath { get; set; } = "";

    [Parameter(ParameterSetName = "Idx")]
    public string[]? ClassName { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = "Csv")]
    public string CsvPath { get; set; } = "";

    [Parameter(ParameterSetName = "Csv")]
    public string? LabelColumn { get; set; }

    [Parameter(ParameterSetName = "Csv")]
    [ValidateSet("classification", "regression")]
    public string? Task { get; set; }

    protected override void ProcessRecord()
    {
        var files = ParameterSetName == "Idx" ? new[] { Resolve(ImagesPath), Resolve(LabelsPath) } : [Resolve(CsvPath)];
        foreach (var file in files)
        {
            if (!File.Exists(file))
            {
                WriteError(new ErrorRecord(new FileNotFoundException($"No file '{file}'.", file), "PortalFileNotFound", ErrorCategory.ObjectNotFound, file));
                return;
            }
        }
        if (!ShouldProcess($"{string.Join(", ", files)} as dataset '{Name}'", "Import")) return;

        var ok = TryCall(async ct =>
        {
            if (ParameterSetName == "Idx")
            {
                using var images = File.OpenRead(files[0]);
                using var labels = File.OpenRead(files[1]);
                return await Client.Datasets.ImportIdx(Name, images, labels, ClassName, ct);
            }
            using var csv = File.OpenRead(files[0]);
            return await Client.Datasets.ImportCsv(Name, csv, new CsvImportOptions { LabelColumn = LabelColumn, Task = Task }, ct);
        }, Name, out var dataset);
        if (ok) WriteObject(dataset);
    }

    private string Resolve(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
}
