using System.Management.Automation;
using Portal.Client.Models;
using Portal.Contracts.Registry;

namespace Portal.PowerShell.Cmdlets;

/// <summary>Gets registered models: one by name, or all (wildcards allowed).</summary>
/// <remarks>
/// Each model with its version count and aliases. A model object pipes into Get-PortalModelVersion.
/// </remarks>
/// <example>
/// <code>Get-PortalModel -Name fashion*</code>
/// The models whose names start with "fashion".
/// </example>
[Cmdlet(VerbsCommon.Get, "PortalModel")]
[OutputType(typeof(ModelView))]
public sealed class GetPortalModelCommand : PortalCmdlet
{
    /// <summary>The model's name (wildcards allowed; without it, every model).</summary>
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

/// <summary>Gets a model's versions (newest first), or one in full with -Version.</summary>
/// <remarks>
/// The list shows lineage and headline evidence; one version shows its artifacts, tags, evaluation and spec. Versions
/// pipe into Submit-PortalPromotion, Invoke-PortalCompression and Start-PortalEvaluation.
/// </remarks>
/// <example>
/// <code>Get-PortalModelVersion -Model fashion -First 1 | Submit-PortalPromotion</code>
/// Asks for the newest version of fashion to go to production.
/// </example>
/// <example>
/// <code>(Get-PortalModelVersion -Model fashion -Version 3).Evidence</code>
/// The accuracy and latency version 3 was registered with.
/// </example>
[Cmdlet(VerbsCommon.Get, "PortalModelVersion")]
[OutputType(typeof(VersionSummary), typeof(VersionView))]
public sealed class GetPortalModelVersionCommand : PortalCmdlet
{
    /// <summary>The model (-Name is the same); binds the ModelName of a model piped in.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ModelName", "Name")]
    [ValidateNotNullOrEmpty]
    public string Model { get; set; } = "";

    /// <summary>One version's number: that version in full; binds the Number of a version piped in.</summary>
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

/// <summary>Registers a new model name.</summary>
/// <remarks>
/// Versions of the model come from finished runs (Register-PortalModelVersion) or ONNX files
/// (Import-PortalModelVersion).
/// </remarks>
/// <example>
/// <code>New-PortalModel -Name fashion -Description 'Fashion-MNIST classifiers'</code>
/// </example>
[Cmdlet(VerbsCommon.New, "PortalModel", SupportsShouldProcess = true)]
[OutputType(typeof(ModelView))]
public sealed class NewPortalModelCommand : PortalCmdlet
{
    /// <summary>The model's name, unique in the portal.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = "";

    /// <summary>What the model is for.</summary>
    [Parameter]
    public string? Description { get; set; }

    protected override void ProcessRecord()
    {
        if (!ShouldProcess($"model '{Name}'", "Create")) return;
        if (TryCall(ct => Client.Models.Create(Name, Description, ct), Name, out var model)) WriteObject(model);
    }
}

/// <summary>Registers a finished run's weights as a model's next version.</summary>
/// <remarks>
/// The portal exports the weights to ONNX and measures accuracy on the held-out -EvaluationDatasetId and latency with
/// ONNX Runtime.
/// </remarks>
/// <example>
/// <code>$run | Register-PortalModelVersion -Model fashion -EvaluationDatasetId $test.Id</code>
/// The run in $run becomes the next version of fashion, its accuracy measured on the dataset in $test.
/// </example>
[Cmdlet(VerbsLifecycle.Register, "PortalModelVersion", SupportsShouldProcess = true)]
[OutputType(typeof(VersionView))]
public sealed class RegisterPortalModelVersionCommand : PortalCmdlet
{
    /// <summary>The model the version is added to (New-PortalModel).</summary>
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

/// <summary>Imports an ONNX file as a model's next version.</summary>
/// <remarks>
/// The file is streamed to the portal, which checks that ONNX Runtime loads it and stores it; an import job then
/// measures it and records the version. The cmdlet shows the job's progress from the live stream and returns the new
/// version; with -NoWait it returns the import at once (follow its JobId). Without labels the evidence is latency,
/// throughput (when the first dimension is a dynamic batch) and size, on inputs synthesized from the signature:
/// -Dims sizes dynamic dimensions (by symbol, or 'input.index'), -ExamplePath reads them from an example input (an
/// Open Inference Protocol request body), -IntegerBound bounds integer inputs. With
/// -EvaluationDatasetId accuracy is measured on that dataset. What cannot be measured is recorded as not measured,
/// with the reason, in the version's Evidence.Measurement. A file that is not a usable ONNX model, does not fit the
/// dataset, or is already a version of the model is an error record with the portal's message. -Path binds the
/// FullName of a file piped in, such as the one Export-PortalRun returns.
/// </remarks>
/// <example>
/// <code>Import-PortalModelVersion -Model fashion -Path ./fashion.onnx -EvaluationDatasetId $test.Id</code>
/// </example>
/// <example>
/// <code>Import-PortalModelVersion -Model ocr -Path ./recognizer.onnx -Dims @{ height = 32; width = 128 } -ClassName blank, a, b</code>
/// A model with dynamic height and width, timed at 32 × 128.
/// </example>
/// <example>
/// <code>$run | Export-PortalRun -Path ./fashion.onnx | Import-PortalModelVersion -Model fashion-imported</code>
/// A run's ONNX file, saved and registered as a version of another model.
/// </example>
[Cmdlet(VerbsData.Import, "PortalModelVersion", SupportsShouldProcess = true)]
[OutputType(typeof(VersionView), typeof(ImportView))]
public sealed class ImportPortalModelVersionCommand : PortalJobCmdlet
{
    /// <summary>The model the version is added to (New-PortalModel).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Model { get; set; } = "";

    /// <summary>The .onnx file; binds the FullName of a file piped in (from Export-PortalRun or Get-Item).</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Held-out data the portal measures the version's accuracy on; without it accuracy is not measured.</summary>
    [Parameter]
    public Guid? EvaluationDatasetId { get; set; }

    /// <summary>The output classes' names, in output order; leave out for a model without classes.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ClassName { get; set; }

    /// <summary>Sizes of dynamic dimensions for the measurement, by symbol or 'input.index' (@{ height = 32 }).</summary>
    [Parameter]
    public System.Collections.Hashtable? Dims { get; set; }

    /// <summary>A file holding an example input (an Open Inference Protocol request body): its shapes size the dynamic dimensions but the first; -Dims win.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ExamplePath { get; set; }

    /// <summary>Integer inputs (token ids, indices) are synthesized below this bound.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public long? IntegerBound { get; set; }

    /// <summary>Return the import as soon as the file is stored, without waiting for its job.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    protected override void ProcessRecord()
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        if (!File.Exists(path))
        {
            WriteError(new ErrorRecord(new FileNotFoundException($"No file '{path}'.", path), "PortalFileNotFound", ErrorCategory.ObjectNotFound, path));
            return;
        }
        if (!TryDims(out var dims)) return;
        string? example = null;
        if (ExamplePath is not null)
        {
            var examplePath = GetUnresolvedProviderPathFromPSPath(ExamplePath);
            if (!File.Exists(examplePath))
            {
                WriteError(new ErrorRecord(new FileNotFoundException($"No file '{examplePath}'.", examplePath), "PortalFileNotFound", ErrorCategory.ObjectNotFound, examplePath));
                return;
            }
            example = File.ReadAllText(examplePath);
        }
        if (!ShouldProcess($"{path} as the next version of '{Model}'", "Import")) return;
        var options = new ModelImportOptions { EvaluationDatasetId = EvaluationDatasetId, ClassNames = ClassName, Dims = dims, Example = example, IntegerBound = IntegerBound };
        var ok = TryCall(async ct =>
        {
            using var onnx = File.OpenRead(path);
            return await Client.Models.StartImport(Model, onnx, System.IO.Path.GetFileName(path), options, ct);
        }, path, out var import);
        if (!ok) return;
        if (NoWait)
        {
            WriteObject(import);
            return;
        }
        if (!WaitForJob(import.JobId, $"Importing {import.FileName} into '{Model}'", import)) return;
        if (!TryCall(ct => Client.Models.GetImport(Model, import.Id, ct), import, out var done)) return;
        if (TryCall(ct => Client.Models.GetVersion(Model, done.Version!.Value, ct), import, out var version)) WriteObject(version);
    }

    private bool TryDims(out Dictionary<string, long>? dims)
    {
        dims = null;
        if (Dims is null) return true;
        dims = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Dims)
        {
            var key = entry.Key?.ToString() ?? "";
            var value = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
            if (value is not (int or long or short or byte) || Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) < 1)
            {
                WriteError(new ErrorRecord(new ArgumentException($"-Dims '{key}' must be a positive whole number, not '{value}'."), "PortalBadDims", ErrorCategory.InvalidArgument, Dims));
                return false;
            }
            dims[key] = Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
        }
        return true;
    }
}
