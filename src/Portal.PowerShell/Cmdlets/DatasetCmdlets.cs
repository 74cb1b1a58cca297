using System.Management.Automation;
using Portal.Client.Models;
using Portal.Contracts.Datasets;

namespace Portal.PowerShell.Cmdlets;

/// <summary>Gets datasets: one by id, or all (by name, wildcards allowed).</summary>
/// <remarks>
/// Lists the portal's datasets page by page as they arrive, or gets one by -Id. A dataset object pipes into
/// Start-PortalTraining (its DatasetId binds -DatasetId); a run piped in gets the dataset it trained on.
/// </remarks>
/// <example>
/// <code>Get-PortalDataset -Name fashion*</code>
/// The datasets whose names start with "fashion", such as the built-in fashion-mnist-train and fashion-mnist-test.
/// </example>
/// <example>
/// <code>Get-PortalRun -Id $run.Id | Get-PortalDataset</code>
/// The dataset the run in $run trained on.
/// </example>
[Cmdlet(VerbsCommon.Get, "PortalDataset", DefaultParameterSetName = "List")]
[OutputType(typeof(DatasetView))]
public sealed class GetPortalDatasetCommand : PortalCmdlet
{
    /// <summary>
    /// The dataset's id (-Id is the same); binds the DatasetId of an object piped in: a dataset, or the run trained on it.
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = "ById", ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public Guid DatasetId { get; set; }

    /// <summary>Only the datasets of this name (wildcards allowed, case ignored).</summary>
    [Parameter(ParameterSetName = "List", Position = 0)]
    [SupportsWildcards]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == "ById")
        {
            if (TryCall(ct => Client.Datasets.Get(DatasetId, ct), DatasetId, out var dataset)) WriteObject(dataset);
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

/// <summary>Uploads an IDX pair or a CSV file as a new dataset.</summary>
/// <remarks>
/// Streams the files to the portal, which validates them with the engine; a bad file is refused with the engine's
/// reason (row, column, expected and found).
/// </remarks>
/// <example>
/// <code>Import-PortalDataset -Name digits -ImagesPath ./train-images.idx.gz -LabelsPath ./train-labels.idx.gz</code>
/// Uploads an IDX pair of images and labels (gzipped or not).
/// </example>
/// <example>
/// <code>Import-PortalDataset -Name houses -CsvPath ./houses.csv -LabelColumn price -Task regression</code>
/// Uploads a CSV file whose "price" column is the value to predict.
/// </example>
/// <example>
/// <code>Import-PortalDataset -Name cancer-test -CsvPath ./wdbc-test.csv -Header $true -SkipLines 1 -Delimiter ';' -ClassName malignant, benign</code>
/// Uploads a CSV file after one preamble line, with ';' between fields and its first line naming the columns; label 0
/// is "malignant" and 1 "benign", as the model trained on the same coding expects.
/// </example>
[Cmdlet(VerbsData.Import, "PortalDataset", SupportsShouldProcess = true, DefaultParameterSetName = "Idx")]
[OutputType(typeof(DatasetView))]
public sealed class ImportPortalDatasetCommand : PortalCmdlet
{
    /// <summary>The new dataset's name.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>The IDX file of the images (.idx or .idx.gz).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Idx")]
    public string ImagesPath { get; set; } = "";

    /// <summary>The IDX file of the labels, one per image (.idx or .idx.gz).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Idx")]
    public string LabelsPath { get; set; } = "";

    /// <summary>
    /// The names of the classes, in label order (label 0 first). For a CSV file, every label must be one of them;
    /// without it the labels are sorted.
    /// </summary>
    [Parameter(ParameterSetName = "Idx")]
    [Parameter(ParameterSetName = "Csv")]
    public string[]? ClassName { get; set; }

    /// <summary>The CSV file: one sample per row, after an optional header row.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Csv")]
    public string CsvPath { get; set; } = "";

    /// <summary>The column that holds the label, by its header name (default: the last column).</summary>
    [Parameter(ParameterSetName = "Csv")]
    public string? LabelColumn { get; set; }

    /// <summary>The column that holds the label, by its 0-based index (default: the last column).</summary>
    [Parameter(ParameterSetName = "Csv")]
    [ValidateRange(0, int.MaxValue)]
    public int? LabelColumnIndex { get; set; }

    /// <summary>
    /// Whether the first line (after -SkipLines) names the columns. The server takes it as a header by default, but
    /// refuses a first line of numbers only unless this says which it is.
    /// </summary>
    [Parameter(ParameterSetName = "Csv")]
    public bool? Header { get; set; }

    /// <summary>Lines to ignore at the start of the file (a preamble or comments), before any header.</summary>
    [Parameter(ParameterSetName = "Csv")]
    [ValidateRange(0, int.MaxValue)]
    public int? SkipLines { get; set; }

    /// <summary>The field delimiter: one character, or 'tab' (default ',').</summary>
    [Parameter(ParameterSetName = "Csv")]
    public string? Delimiter { get; set; }

    /// <summary>What the label is: a class (classification, the default) or a number to predict (regression).</summary>
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
            return await Client.Datasets.ImportCsv(Name, csv, new CsvImportOptions
            {
                LabelColumn = LabelColumn,
                LabelColumnIndex = LabelColumnIndex,
                Header = Header,
                SkipLines = SkipLines,
                Delimiter = Delimiter,
                Task = Task,
                ClassNames = ClassName,
            }, ct);
        }, Name, out var dataset);
        if (ok) WriteObject(dataset);
    }

    private string Resolve(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
}
