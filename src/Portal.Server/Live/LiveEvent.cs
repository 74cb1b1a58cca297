namespace Portal.Server.Live;

/// <summary>
/// One message on a topic (<c>run:{id}</c>, <c>job:{id}</c>, …). <see cref="Sequence"/> rises by one per topic,
/// so a subscriber that fell behind sees where events were dropped.
/// </summary>
public sealed record LiveEvent(string Topic, long Sequence, DateTimeOffset Time, string Type, object Data);
