using System.Text.RegularExpressions;
using System.Xml.Linq;
using Portal.PowerShell.HelpGenerator;

namespace Portal.PowerShell.Tests;

/// <summary>The build step that writes the module's help from its compiled cmdlets and their doc comments.</summary>
public sealed class HelpGeneratorTests : IDisposable
{
    private static readonly string s_module = Path.Combine(ModulePortal.RepositoryRoot, "src", "Portal.PowerShell", "bin", "Release", "net8.0", "Portal.PowerShell.dll");

    private readonly string _folder = Directory.CreateTempSubdirectory("portal-help-").FullName;

    /// <summary>The compiler's documentation file of the module, changed by <paramref name="edit"/> (given member id → member).</summary>
    private DocComments Docs(Action<Func<string, XElement>>? edit = null)
    {
        var docs = XDocument.Load(Path.ChangeExtension(s_module, ".xml"));
        edit?.Invoke(id => docs.Descendants("member").Single(m => (string?)m.Attribute("name") == id));
        var path = Path.Combine(_folder, "Portal.PowerShell.xml");
        docs.Save(path);
        return DocComments.Load(path);
    }

    [Fact]
    public void Every_cmdlet_of_the_module_has_complete_help_with_a_syntax_line_per_parameter_set()
    {
        using var reader = new CmdletReader(s_module, Docs());

        var (cmdlets, problems) = reader.Read();

        Assert.Empty(problems);
        var exported = Regex.Matches(File.ReadAllText(ModulePortal.ModuleManifest), @"^\s+'(?<name>\w+-\w+)'\s*$", RegexOptions.Multiline).Select(m => m.Groups["name"].Value);
        Assert.Equal(exported.Order(StringComparer.Ordinal), cmdlets.Select(c => c.Name));
        var compression = cmdlets.Single(c => c.Name == "Invoke-PortalCompression");
        Assert.Equal(["Quantize", "Prune", "Distill"], compression.Syntax.Select(s => s.ParameterSet));
        Assert.All(compression.Syntax, s => Assert.Equal(["Model", "Version"], s.Parameters.Take(2).Select(p => p.Parameter.Name)));
        Assert.All(compression.Syntax, s => Assert.Equal(["WhatIf", "Confirm"], s.Parameters.TakeLast(2).Select(p => p.Parameter.Name)));
        Assert.Equal(["List", "ById"], cmdlets.Single(c => c.Name == "Get-PortalRun").Syntax.Select(s => s.ParameterSet));
        var wait = cmdlets.Single(c => c.Name == "Wait-PortalRun");
        var id = wait.Parameters.Single(p => p.Name == "RunId");
        Assert.Equal((0, true, "True (ByPropertyName)", "Id"), (id.Binding.Position, id.Binding.Mandatory, id.Binding.PipelineInput, id.Aliases.Single()));
        var timeout = wait.Parameters.Single(p => p.Name == "TimeoutSeconds");
        Assert.Equal(("Int32", "System.Int32", null, false), (timeout.TypeName, timeout.TypeFullName, timeout.Binding.Position, timeout.Binding.Mandatory));
        Assert.Equal(["Portal.Contracts.Training.RunView"], wait.Outputs);
        Assert.Equal(["Sgd", "Adam", "AdamW"], cmdlets.Single(c => c.Name == "Start-PortalTraining").Parameters.Single(p => p.Name == "Optimizer").ValidValues);
    }

    [Fact]
    public void A_parameter_without_a_description_and_a_cmdlet_without_an_example_are_named_as_problems()
    {
        var docs = Docs(member =>
        {
            member("P:Portal.PowerShell.Cmdlets.WaitPortalRunCommand.TimeoutSeconds").Remove();
            member("T:Portal.PowerShell.Cmdlets.DisconnectPortalCommand").Element("example")!.Remove();
        });
        using var reader = new CmdletReader(s_module, docs);

        var (_, problems) = reader.Read();

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Wait-PortalRun: parameter -TimeoutSeconds", StringComparison.Ordinal) && p.EndsWith("has no <summary>", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Disconnect-Portal", StringComparison.Ordinal) && p.EndsWith("no <example>", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
