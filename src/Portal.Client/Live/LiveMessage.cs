using System.Text.Json;
using Portal.Client.Http;

namespace Portal.Client.Live;

/// <summary>
/// One event of a live topic as the hub sends it. <see cref="Sequence"/> rises by one per topic;
/// <see cref="Downsampled"/> counts the events just before this one that the server merged away because this
/// viewer lagged (their min/max/last were kept).
/// </summary>
public sealed record LiveMessage(string Topic, long Sequence, DateTimeOffset Time, string Type, JsonElement Data, long Downsampled)
{
    /// <summary>The payload as <typeparamref name="T"/> (e.g. <see cref="Models.RunStep"/> for <c>step</c>).</summary>
    public T As<T>() => Data.Deserialize<T>(PortalHttp.Json) ?? throw new JsonException($"The {Type} event {Sequence} of {Topic} has no payload.");
}

/// <summary>Live topic names.</summary>
public static class LiveTopics
{
    public const string Jobs = "jobs";

    public static string Run(Guid id) => $"run:{id}";

    public static string Job(Guid id) => $"job:{id}";

    public static string Compression(Guid id) => $"compression:{id}";

    public static string Deployment(string model, string alias) => $"deployment:{model}/{alias}";
}
