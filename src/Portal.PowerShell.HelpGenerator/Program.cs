using System.Text;
using Portal.PowerShell.HelpGenerator;

// Usage: Portal.PowerShell.HelpGenerator <module assembly> <help file>
// Reads the compiled module (and the documentation file the compiler wrote beside it) and writes its MAML help;
// the file is rewritten only when its content changes. Exits 1, naming each gap, if any cmdlet's help would be incomplete.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: Portal.PowerShell.HelpGenerator <module assembly (.dll)> <help file (.dll-Help.xml)>");
    return 2;
}
var (modulePath, helpPath) = (args[0], args[1]);
var docsPath = Path.ChangeExtension(modulePath, ".xml");
if (!File.Exists(docsPath))
{
    Console.Error.WriteLine($"error: no documentation file {docsPath}: build the module with GenerateDocumentationFile.");
    return 1;
}

using var reader = new CmdletReader(modulePath, DocComments.Load(docsPath));
var (cmdlets, problems) = reader.Read();
if (cmdlets.Count == 0) problems = [$"no cmdlet in {modulePath}"];
foreach (var problem in problems) Console.Error.WriteLine($"error: help of the PowerShell module: {problem}");
if (problems.Count > 0) return 1;

using var text = new Utf8StringWriter();
MamlWriter.Document(cmdlets, "about_Portal").Save(text);
var content = text.ToString().Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(helpPath))!);
if (!File.Exists(helpPath) || File.ReadAllText(helpPath) != content) File.WriteAllText(helpPath, content, new UTF8Encoding(false));
Console.WriteLine($"{helpPath}: help of {cmdlets.Count} cmdlets");
return 0;

/// <summary>A StringWriter whose XML declaration says utf-8 (the encoding the file is written in).</summary>
internal sealed class Utf8StringWriter : StringWriter
{
    public override Encoding Encoding => Encoding.UTF8;
}
