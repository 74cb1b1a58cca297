namespace Portal.PowerShell.HelpGenerator;

/// <summary>Everything Get-Help shows of one cmdlet.</summary>
public sealed record CmdletHelp(
    string Verb,
    string Noun,
    string Synopsis,
    IReadOnlyList<string> Description,
    IReadOnlyList<ParameterHelp> Parameters,
    IReadOnlyList<SyntaxItem> Syntax,
    IReadOnlyList<PipelineInput> Inputs,
    IReadOnlyList<string> Outputs,
    IReadOnlyList<ExampleHelp> Examples)
{
    public string Name => $"{Verb}-{Noun}";
}

/// <summary>A parameter as its PARAMETERS entry shows it (its binding in the cmdlet's first parameter set that has it).</summary>
public sealed record ParameterHelp(
    string Name,
    string TypeName,
    string TypeFullName,
    bool IsSwitch,
    string Description,
    IReadOnlyList<string> Aliases,
    IReadOnlyList<string> ValidValues,
    bool SupportsWildcards,
    ParameterBinding Binding);

/// <summary>How a parameter binds in one parameter set.</summary>
public sealed record ParameterBinding(bool Mandatory, int? Position, bool FromPipeline, bool FromPipelineByPropertyName)
{
    /// <summary>As Get-Help words it: False, True (ByValue), True (ByPropertyName) or both.</summary>
    public string PipelineInput => (FromPipeline, FromPipelineByPropertyName) switch
    {
        (true, true) => "True (ByValue, ByPropertyName)",
        (true, false) => "True (ByValue)",
        (false, true) => "True (ByPropertyName)",
        _ => "False",
    };
}

/// <summary>One line of SYNTAX: a parameter set and how each of its parameters binds there.</summary>
public sealed record SyntaxItem(string ParameterSet, IReadOnlyList<(ParameterHelp Parameter, ParameterBinding Binding)> Parameters);

/// <summary>What can be piped in: the type a parameter takes from the pipeline, and how.</summary>
public sealed record PipelineInput(string TypeFullName, string Description);

/// <summary>An example: the code and what it does.</summary>
public sealed record ExampleHelp(string Code, IReadOnlyList<string> Remarks);
