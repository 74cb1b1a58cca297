using System.Text;

namespace Portal.Engine.Data;

/// <summary>
/// A text classification task from Debian's <c>fortunes</c> package: which file a fortune comes from, over five files
/// with several hundred entries each and a voice of their own. Entries are separated by lines holding only <c>%</c>;
/// overstruck characters (<c>x BACKSPACE y</c>, the files' bold and underline) are read as what is printed last.
/// The split is fixed: stratified, a fifth for test, seed <see cref="SplitSeed"/>.
/// </summary>
public static class FortunesCorpus
{
    public const string DefaultDirectory = "/usr/share/games/fortunes";
    public const string DebianPackage = "fortunes";
    public const string Name = "fortunes";
    public const double TestFraction = 0.2;
    public const int SplitSeed = 25;

    /// <summary>The files read, which are also the class names, in label order.</summary>
    public static IReadOnlyList<string> Categories { get; } = ["computers", "definitions", "people", "politics", "science"];

    /// <summary>Every entry of the five files, labelled by file.</summary>
    public static TextDataset Load(string? directory = null)
    {
        directory ??= DefaultDirectory;
        var missing = Categories.Where(c => !File.Exists(Path.Combine(directory, c))).ToList();
        if (missing.Count > 0)
            throw new FileNotFoundException(
                $"The fortunes are not installed at {directory}: install the Debian package {DebianPackage} (scripts/setup.sh does). Missing: {string.Join(", ", missing)}.",
                Path.Combine(directory, missing[0]));
        var texts = new List<string>();
        var labels = new List<int>();
        for (var c = 0; c < Categories.Count; c++)
        {
            var path = Path.Combine(directory, Categories[c]);
            foreach (var entry in Entries(StrictUtf8.Decode(File.ReadAllBytes(path), path)))
            {
                texts.Add(entry);
                labels.Add(c);
            }
        }
        return new TextDataset(Name, texts, labels, Categories);
    }

    /// <summary>The fixed split: <c>fortunes-train</c> and <c>fortunes-test</c>.</summary>
    public static (TextDataset Train, TextDataset Test) LoadSplit(string? directory = null) => Load(directory).Split(TestFraction, SplitSeed);

    /// <summary>The entries of one fortune file, overstrikes resolved, trimmed, blank ones left out.</summary>
    public static IReadOnlyList<string> Entries(string file)
    {
        var entries = new List<string>();
        var entry = new StringBuilder();
        foreach (var raw in file.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line == "%")
            {
                Add(entries, entry);
                continue;
            }
            if (entry.Length > 0) entry.Append('\n');
            foreach (var ch in line)
            {
                if (ch == '\b')
                {
                    if (entry.Length > 0 && entry[^1] != '\n') entry.Length--;
                }
                else entry.Append(ch);
            }
        }
        Add(entries, entry);
        return entries;
    }

    private static void Add(List<string> entries, StringBuilder entry)
    {
        var text = entry.ToString().Trim();
        if (text.Length > 0) entries.Add(text);
        entry.Clear();
    }
}
