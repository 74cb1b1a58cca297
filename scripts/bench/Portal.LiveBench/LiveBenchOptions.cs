using System.Globalization;

namespace Portal.LiveBench;

/// <summary>The command line of Portal.LiveBench (scripts/bench/live.sh passes all of it).</summary>
public sealed record LiveBenchOptions(
    Uri Portal, Guid RunId, long Steps, int Viewers, string UserName, string Password, Guid ReleaseJobId, string ApiKey,
    TimeSpan Limit, string OutputDirectory)
{
    public const string Usage =
        "usage: Portal.LiveBench --portal URL --run RUN_ID --steps N --viewers N --user NAME --password PASSWORD " +
        "--release-job JOB_ID --api-key KEY [--limit-seconds S] [--out DIR]";

    public static LiveBenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"'{args[i]}' is not an option with a value. {Usage}");
            values[args[i][2..]] = args[i + 1];
        }
        string Need(string name) => values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is missing. {Usage}");
        long Number(string name, string? fallback = null)
        {
            var text = values.TryGetValue(name, out var v) ? v : fallback ?? Need(name);
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"--{name} must be a whole number above 0, not '{text}'.");
        }
        Guid Id(string name) => Guid.TryParse(Need(name), out var g) ? g : throw new ArgumentException($"--{name} must be a GUID, not '{Need(name)}'.");

        return new LiveBenchOptions(
            new Uri(Need("portal")), Id("run"), Number("steps"), (int)Number("viewers"), Need("user"), Need("password"),
            Id("release-job"), Need("api-key"), TimeSpan.FromSeconds(Number("limit-seconds", "240")),
            values.TryGetValue("out", out var o) ? o : ".");
    }
}
