using System.Text.RegularExpressions;

namespace Portal.Server.Live;

/// <summary>
/// The topics a viewer may follow: <c>run:{id}</c>, <c>job:{id}</c>, <c>compression:{id}</c>, <c>jobs</c> (every job's
/// status) and <c>deployment:{model}/{alias}</c>.
/// </summary>
public static partial class LiveTopics
{
    public const string Jobs = "jobs";

    /// <summary>Null when <paramref name="topic"/> may be followed, else why not.</summary>
    public static string? Refusal(string? topic) => topic is not null && Pattern().IsMatch(topic)
        ? null
        : $"'{topic}' is not a live topic: use run:{{id}}, job:{{id}}, compression:{{id}}, {Jobs} or deployment:{{model}}/{{alias}}.";

    [GeneratedRegex("^(?:(?:run|job|compression):[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|jobs|deployment:[A-Za-z0-9][A-Za-z0-9._-]{0,99}/[a-z0-9-]{1,64})$")]
    private static partial Regex Pattern();
}
