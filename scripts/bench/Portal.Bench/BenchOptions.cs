using System.Globalization;

namespace Portal.Bench;

/// <summary><c>--name value</c> pairs after a command's positional arguments.</summary>
internal sealed class BenchOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public BenchOptions(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (var i = 0; i < list.Count; i += 2)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= list.Count)
                throw new ArgumentException($"Expected '--option value', got '{list[i]}'.");
            _values[list[i][2..]] = list[i + 1];
        }
    }

    public double Number(string name, double fallback) =>
        _values.TryGetValue(name, out var text) ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;

    public int Integer(string name, int fallback) => (int)Number(name, fallback);

    public string? Text(string name) => _values.GetValueOrDefault(name);

    public bool Has(string name) => _values.ContainsKey(name);
}
