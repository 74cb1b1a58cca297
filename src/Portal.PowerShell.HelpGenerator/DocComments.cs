using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Portal.PowerShell.HelpGenerator;

/// <summary>
/// The compiler's XML documentation file of the module: a cmdlet class's &lt;summary&gt; is its synopsis, its
/// &lt;remarks&gt; its description and each &lt;example&gt; (a &lt;code&gt; and the text around it) an example; a
/// parameter property's &lt;summary&gt; is the parameter's description.
/// </summary>
public sealed partial class DocComments
{
    private readonly Dictionary<string, XElement> _members;

    private DocComments(Dictionary<string, XElement> members) => _members = members;

    public static DocComments Load(string path)
    {
        var members = XDocument.Load(path).Root?.Element("members")?.Elements("member")
            ?? throw new InvalidDataException($"{path} is not a compiler documentation file (no <members>).");
        return new DocComments(members.ToDictionary(m => (string)m.Attribute("name")!, StringComparer.Ordinal));
    }

    /// <summary>The paragraphs of a member's element (summary, remarks), empty if it has none.</summary>
    public IReadOnlyList<string> Paragraphs(string memberId, string element) =>
        _members.TryGetValue(memberId, out var member) && member.Element(element) is { } e ? ParagraphsOf(e) : [];

    public IReadOnlyList<ExampleHelp> Examples(string memberId) =>
        _members.TryGetValue(memberId, out var member)
            ? [.. member.Elements("example").Select(e => new ExampleHelp(Code(e.Element("code")), ParagraphsOf(e, skip: "code")))]
            : [];

    /// <summary>Text as a reader sees it: &lt;c&gt; and &lt;see cref&gt; as their names, &lt;para&gt; as a new paragraph, whitespace folded.</summary>
    private static List<string> ParagraphsOf(XElement element, string? skip = null)
    {
        var paragraphs = new List<string>();
        var current = new StringBuilder();
        void Flush()
        {
            var text = Whitespace().Replace(current.ToString(), " ").Trim();
            if (text.Length > 0) paragraphs.Add(text);
            current.Clear();
        }
        void Walk(XElement e)
        {
            foreach (var node in e.Nodes())
            {
                switch (node)
                {
                    case XText text:
                        current.Append(text.Value);
                        break;
                    case XElement skipped when skipped.Name.LocalName == skip:
                        break;
                    case XElement { Name.LocalName: "para" } para:
                        Flush();
                        Walk(para);
                        Flush();
                        break;
                    case XElement { Name.LocalName: "see" or "seealso" } see:
                        current.Append(Reference(see));
                        break;
                    case XElement { Name.LocalName: "paramref" or "typeparamref" } reference:
                        current.Append((string?)reference.Attribute("name"));
                        break;
                    case XElement child:
                        Walk(child);
                        break;
                }
            }
        }
        Walk(element);
        Flush();
        return paragraphs;
    }

    private static string Reference(XElement see)
    {
        if (!see.IsEmpty) return see.Value;
        if ((string?)see.Attribute("langword") is { } word) return word;
        var cref = (string?)see.Attribute("cref") ?? "";
        var name = cref.Contains(':', StringComparison.Ordinal) ? cref[(cref.IndexOf(':', StringComparison.Ordinal) + 1)..] : cref;
        return name[(name.LastIndexOf('.') + 1)..];
    }

    /// <summary>The lines of a &lt;code&gt; block without the indentation they share, blank first and last lines dropped.</summary>
    private static string Code(XElement? code)
    {
        if (code is null) return "";
        var lines = code.Value.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').ToList();
        while (lines.Count > 0 && string.IsNullOrWhiteSpace(lines[0])) lines.RemoveAt(0);
        while (lines.Count > 0 && string.IsNullOrWhiteSpace(lines[^1])) lines.RemoveAt(lines.Count - 1);
        var indent = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join("\n", lines.Select(l => l.Length >= indent ? l[indent..].TrimEnd() : l.Trim()));
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
