using System.Xml.Linq;

namespace Portal.PowerShell.HelpGenerator;

/// <summary>
/// Writes cmdlet help as the MAML file PowerShell reads for a binary module (<c>&lt;assembly&gt;.dll-Help.xml</c>):
/// synopsis, description, syntax per parameter set, parameters, inputs, outputs, examples and a link to about_Portal.
/// </summary>
public static class MamlWriter
{
    private static readonly XNamespace s_msh = "http://msh";
    private static readonly XNamespace s_maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace s_command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace s_dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static XDocument Document(IEnumerable<CmdletHelp> cmdlets, string aboutTopic) =>
        new(new XDeclaration("1.0", "utf-8", null),
            new XElement(s_msh + "helpItems",
                new XAttribute("schema", "maml"),
                new XAttribute(XNamespace.Xmlns + "maml", s_maml),
                new XAttribute(XNamespace.Xmlns + "command", s_command),
                new XAttribute(XNamespace.Xmlns + "dev", s_dev),
                cmdlets.Select(c => Command(c, aboutTopic))));

    private static XElement Command(CmdletHelp cmdlet, string aboutTopic) =>
        new(s_command + "command",
            new XElement(s_command + "details",
                new XElement(s_command + "name", cmdlet.Name),
                new XElement(s_command + "verb", cmdlet.Verb),
                new XElement(s_command + "noun", cmdlet.Noun),
                Description(cmdlet.Synopsis)),
            Description([.. cmdlet.Description]),
            new XElement(s_command + "syntax", cmdlet.Syntax.Select(s =>
                new XElement(s_command + "syntaxItem",
                    new XElement(s_maml + "name", cmdlet.Name),
                    s.Parameters.Select(p => SyntaxParameter(p.Parameter, p.Binding))))),
            new XElement(s_command + "parameters", cmdlet.Parameters.Select(Parameter)),
            new XElement(s_command + "inputTypes", cmdlet.Inputs.Count == 0
                ? [TypeEntry("inputType", "None", "Nothing can be piped to this cmdlet.")]
                : cmdlet.Inputs.Select(i => TypeEntry("inputType", i.TypeFullName, i.Description))),
            new XElement(s_command + "returnValues", cmdlet.Outputs.Count == 0
                ? [TypeEntry("returnValue", "None", "This cmdlet writes no output.")]
                : cmdlet.Outputs.Select(o => TypeEntry("returnValue", o, ""))),
            new XElement(s_command + "examples", cmdlet.Examples.Select((e, i) =>
                new XElement(s_command + "example",
                    new XElement(s_maml + "title", $"-------------------------- Example {i + 1} --------------------------"),
                    new XElement(s_dev + "code", e.Code),
                    new XElement(s_dev + "remarks", Paragraphs([.. e.Remarks]))))),
            new XElement(s_command + "relatedLinks",
                new XElement(s_maml + "navigationLink", new XElement(s_maml + "linkText", aboutTopic), new XElement(s_maml + "uri"))));

    /// <summary>
    /// A parameter in SYNTAX: its name and value type (the choices of a ValidateSet; nothing for a switch), with whether it
    /// is required and its position.
    /// </summary>
    private static XElement SyntaxParameter(ParameterHelp parameter, ParameterBinding binding) =>
        new(s_command + "parameter",
            Binding(parameter, binding),
            new XElement(s_maml + "name", parameter.Name),
            parameter.IsSwitch ? null
                : parameter.ValidValues.Count > 0
                    ? new XElement(s_command + "parameterValueGroup", parameter.ValidValues.Select(v => Value(v, required: false)))
                    : Value(parameter.TypeName, required: true));

    /// <summary>A parameter in PARAMETERS: also its description, type and default.</summary>
    private static XElement Parameter(ParameterHelp parameter) =>
        new(s_command + "parameter",
            Binding(parameter, parameter.Binding),
            new XElement(s_maml + "name", parameter.Name),
            Description(Describe(parameter)),
            Value(parameter.TypeName, required: !parameter.IsSwitch),
            new XElement(s_dev + "type", new XElement(s_maml + "name", parameter.TypeFullName), new XElement(s_maml + "uri")),
            new XElement(s_dev + "defaultValue", parameter.IsSwitch ? "False" : "None"));

    /// <summary>What Get-Help lists under a parameter: required, position, pipeline input, aliases, wildcards.</summary>
    private static XAttribute[] Binding(ParameterHelp parameter, ParameterBinding binding) =>
    [
        new("required", binding.Mandatory),
        new("variableLength", parameter.TypeName.EndsWith("[]", StringComparison.Ordinal)),
        new("globbing", parameter.SupportsWildcards),
        new("pipelineInput", binding.PipelineInput),
        new("position", binding.Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "named"),
        new("aliases", parameter.Aliases.Count == 0 ? "none" : string.Join(", ", parameter.Aliases)),
    ];

    private static XElement Value(string value, bool required) =>
        new(s_command + "parameterValue", new XAttribute("required", required), new XAttribute("variableLength", false), value);

    private static string Describe(ParameterHelp parameter) =>
        parameter.ValidValues.Count == 0 ? parameter.Description : $"{parameter.Description} One of: {string.Join(", ", parameter.ValidValues)}.";

    private static XElement TypeEntry(string kind, string typeName, string description) =>
        new(s_command + kind,
            new XElement(s_dev + "type", new XElement(s_maml + "name", typeName), new XElement(s_maml + "uri")),
            Description(description));

    private static XElement Description(params string[] paragraphs) => new(s_maml + "description", Paragraphs(paragraphs));

    private static IEnumerable<XElement> Paragraphs(string[] paragraphs) =>
        paragraphs.Length == 0 ? [new XElement(s_maml + "para")] : paragraphs.Select(p => new XElement(s_maml + "para", p));
}
