using System.Collections;
using System.Management.Automation;
using Portal.Client;
using Portal.Contracts.Serving;

namespace Portal.PowerShell.Cmdlets;

/// <summary>Predicts rows of features or classifies texts through a served model, or runs named tensors of any datatype through it.</summary>
/// <remarks>
/// Sends the rows to /v2/models/{model}/infer (Open Inference Protocol v2) through an alias (default production) or a
/// version, and writes one prediction per row: the predicted class and the raw outputs. Rows piped in are sent in one
/// request. With -Inputs, sends each named array (nested arrays give the shape; a flat array fills the one dynamic
/// dimension) with the datatype the model declares, or the one -Datatype names, and writes one object per output
/// with its values typed (Int64, Single, Boolean, String, …). With -Text, sends the texts to a text version (one whose
/// file carries its tokenizer), which tokenizes them as training did, and writes one object per text: its Class (name),
/// ClassIndex and Probability, and its -Top classes (default 1) as Top, the most probable first.
/// </remarks>
/// <example>
/// <code>Invoke-PortalInference -Model fashion -InputObject (, $pixels)</code>
/// One image (784 numbers in $pixels) through the version production serves.
/// </example>
/// <example>
/// <code>$rows | Invoke-PortalInference -Model fashion -Version 3</code>
/// Each row in $rows through version 3.
/// </example>
/// <example>
/// <code>Invoke-PortalInference -Model ranker -Inputs @{ features = @(, @(1.5, 2, 3)); counts = @(, 10) } -Output doubled</code>
/// A two-input model: one row of FP32 features and one INT64 count, returning only the output named doubled.
/// </example>
/// <example>
/// <code>Invoke-PortalInference -Model news -Text 'Stocks fell at the open', 'A late goal won the match' -Top 2</code>
/// Two texts through the text version production serves: each one's class, its index and probability, and its two most probable classes.
/// </example>
[Cmdlet(VerbsLifecycle.Invoke, "PortalInference", DefaultParameterSetName = "Alias")]
[OutputType(typeof(Prediction), typeof(InferenceOutput), typeof(TextClass))]
public sealed class InvokePortalInferenceCommand : PortalCmdlet
{
    private readonly List<float[]> _rows = [];

    /// <summary>The served model's name.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Model { get; set; } = "";

    /// <summary>Rows of numbers (each one sample, flattened); pipe rows in or pass an array of arrays.</summary>
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ParameterSetName = "Alias")]
    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ParameterSetName = "Version")]
    [ValidateNotNull]
    public object InputObject { get; set; } = null!;

    /// <summary>Named input tensors: @{ name = array }, nested arrays for the shape, or flat to fill the one dynamic dimension.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "TensorsAlias")]
    [Parameter(Mandatory = true, ParameterSetName = "TensorsVersion")]
    [ValidateNotNull]
    public IDictionary Inputs { get; set; } = null!;

    /// <summary>Datatypes of inputs by name (BOOL, UINT8…UINT64, INT8…INT64, FP16, FP32, FP64, BF16, BYTES); by default the model's.</summary>
    [Parameter(ParameterSetName = "TensorsAlias")]
    [Parameter(ParameterSetName = "TensorsVersion")]
    public IDictionary? Datatype { get; set; }

    /// <summary>Texts to classify, each one UTF-8 string, through a version that carries its tokenizer.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "TextAlias")]
    [Parameter(Mandatory = true, ParameterSetName = "TextVersion")]
    [ValidateNotNullOrEmpty]
    public string[] Text { get; set; } = [];

    /// <summary>How many of each text's most probable classes to return as Top (default 1).</summary>
    [Parameter(ParameterSetName = "TextAlias")]
    [Parameter(ParameterSetName = "TextVersion")]
    [ValidateRange(1, int.MaxValue)]
    public int Top { get; set; } = 1;

    /// <summary>The outputs to return; all of them by default.</summary>
    [Parameter(ParameterSetName = "TensorsAlias")]
    [Parameter(ParameterSetName = "TensorsVersion")]
    public string[]? Output { get; set; }

    /// <summary>The alias whose version answers (default production).</summary>
    [Parameter(ParameterSetName = "Alias")]
    [Parameter(ParameterSetName = "TensorsAlias")]
    [Parameter(ParameterSetName = "TextAlias")]
    [ValidateNotNullOrEmpty]
    public string Alias { get; set; } = InferenceClient.DefaultAlias;

    /// <summary>The version that answers, instead of an alias's.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Version")]
    [Parameter(Mandatory = true, ParameterSetName = "TensorsVersion")]
    [Parameter(Mandatory = true, ParameterSetName = "TextVersion")]
    [ValidateRange(1, int.MaxValue)]
    public int Version { get; set; }

    protected override void ProcessRecord()
    {
        if (Inputs is not null || Text.Length > 0) return;
        try
        {
            var value = PlainValue.Of(InputObject);
            if (value is IList list && list.Count > 0 && PlainValue.Of(list[0]) is IList)
            {
                foreach (var row in list) _rows.Add(Row(row));
            }
            else
            {
                _rows.Add(Row(value));
            }
        }
        catch (ArgumentException e)
        {
            WriteError(new ErrorRecord(e, "PortalInvalidRow", ErrorCategory.InvalidArgument, InputObject));
        }
    }

    protected override void EndProcessing()
    {
        if (Inputs is not null)
        {
            RunTensors();
        }
        else if (Text.Length > 0)
        {
            RunTexts();
        }
        else if (_rows.Count > 0)
        {
            int? version = ParameterSetName == "Version" ? Version : null;
            if (TryCall(ct => Client.Inference.InferRows(Model, _rows, version is null ? Alias : null, version, ct), Model, out var result))
            {
                var classes = result.ArgMax();
                for (var r = 0; r < result.Rows.Count; r++) WriteObject(new Prediction(r, result.Model, result.Version, classes[r], result.Rows[r]));
            }
        }
        base.EndProcessing();
    }

    private void RunTensors()
    {
        int? version = ParameterSetName == "TensorsVersion" ? Version : null;
        var alias = version is null ? Alias : null;
        if (!TryCall(ct => Client.Inference.Metadata(Model, alias, version, ct), Model, out var metadata)) return;
        Portal.Client.Models.InferenceRequest request;
        try
        {
            request = new(NamedTensors.From(Model, Inputs, Datatype, metadata)) { Outputs = Output?.Select(o => new Portal.Client.Models.InferenceRequestedOutput(o)).ToList() };
        }
        catch (ArgumentException e)
        {
            WriteError(new ErrorRecord(e, "PortalInvalidTensor", ErrorCategory.InvalidArgument, Inputs));
            return;
        }
        if (!TryCall(ct => Client.Inference.Infer(Model, request, alias, version, ct), Model, out var answer)) return;
        foreach (var output in answer.Outputs)
            WriteObject(new InferenceOutput(answer.ModelName, answer.ModelVersion, output.Name, output.Datatype, [.. output.Shape], NamedTensors.Values(output)));
    }

    private void RunTexts()
    {
        int? version = ParameterSetName == "TextVersion" ? Version : null;
        if (!TryCall(ct => Client.Inference.InferText(Model, Text, Top, version is null ? Alias : null, version, ct), Model, out var predictions)) return;
        foreach (var p in predictions) WriteObject(new TextClass(p.Text, p.Class, p.ClassIndex, p.Probability, [.. p.Top]));
    }

    private static float[] Row(object? row)
    {
        if (PlainValue.Of(row) is not IList values) throw new ArgumentException($"A row must be an array of numbers, not '{row}'.");
        var result = new float[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            result[i] = values[i] switch
            {
                IConvertible number => number.ToSingle(System.Globalization.CultureInfo.InvariantCulture),
                var other => throw new ArgumentException($"Value {i} of a row is '{other}', not a number."),
            };
        }
        return result;
    }
}

/// <summary>One output tensor of an answer: its datatype, shape and values (row-major) typed as the datatype says.</summary>
public sealed record InferenceOutput(string Model, string? Version, string Name, string Datatype, long[] Shape, Array Values);

/// <summary>One row's answer: the predicted class (the largest output) and the raw outputs.</summary>
public sealed record Prediction(int Row, string Model, string? Version, int Class, double[] Scores);

/// <summary>One text's class as a text version predicts it: name, index and probability, and its top classes, the most probable first.</summary>
public sealed record TextClass(string Text, string Class, int ClassIndex, double Probability, Portal.Client.Models.ClassProbability[] Top);

/// <summary>Gets the live window of a deployment: throughput, latency percentiles, errors, batch size.</summary>
/// <remarks>
/// One object per served version (the alias holder and a canary), for one deployment or, without -Model, for every
/// deployment.
/// </remarks>
/// <example>
/// <code>Get-PortalDeploymentMetric -Model fashion -Alias production</code>
/// </example>
/// <example>
/// <code>Get-PortalModel -Name fashion | Get-PortalDeploymentMetric</code>
/// The production figures of the model piped in.
/// </example>
[Cmdlet(VerbsCommon.Get, "PortalDeploymentMetric")]
[OutputType(typeof(DeploymentMetric))]
public sealed class GetPortalDeploymentMetricCommand : PortalCmdlet
{
    /// <summary>The deployed model (without it, every deployment); binds the ModelName of a model piped in, or the Model of a version.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("ModelName")]
    public string? Model { get; set; }

    /// <summary>The deployment's alias (default production); binds the Alias of an object piped in.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    public string Alias { get; set; } = InferenceClient.DefaultAlias;

    protected override void ProcessRecord()
    {
        if (Model is not null)
        {
            if (TryCall(ct => Client.Deployments.Get(Model, Alias, ct), $"{Model}/{Alias}", out var deployment)) Write(deployment);
            return;
        }
        var enumerator = Client.Deployments.ListAll(Stopped).GetAsyncEnumerator(Stopped);
        try
        {
            while (TryCall(async _ => await enumerator.MoveNextAsync(), null, out var moved) && moved) Write(enumerator.Current);
        }
        finally
        {
            Await(enumerator.DisposeAsync().AsTask());
        }
    }

    private void Write(DeploymentView deployment)
    {
        if (deployment.Metrics is not { } metrics) return;
        foreach (var v in metrics.Versions)
        {
            WriteObject(new DeploymentMetric(deployment.Model, deployment.Alias, metrics.Time, v.VersionNumber, v.IsCanary, v.Requests, v.Failures,
                v.ErrorRate, v.RequestsPerSecond, v.P50Ms, v.P95Ms, v.P99Ms, v.MeanBatchSize, metrics.WindowSeconds));
        }
    }
}

/// <summary>One served version's sliding window: throughput, latency percentiles (ms), errors and batch size.</summary>
public sealed record DeploymentMetric(
    string Model, string Alias, DateTimeOffset Time, int Version, bool IsCanary, long Requests, long Failures, double ErrorRate,
    double RequestsPerSecond, double P50Ms, double P95Ms, double P99Ms, double MeanBatchSize, double WindowSeconds);
