namespace Portal.Server.Live;

/// <summary>
/// Knows when a kind of topic has nothing more to say (a run that finished), so the hub completes its stream
/// rather than leaving the client waiting for events that will never come.
/// </summary>
public interface ILiveTopicEnd
{
    /// <summary>True for the topics this end speaks for.</summary>
    bool Covers(string topic);

    /// <summary>True when an event with this payload is the topic's last.</summary>
    bool IsLast(object data);

    /// <summary>True when the topic's subject had already finished, so only retained events remain to be read.</summary>
    Task<bool> HasEnded(string topic, CancellationToken ct);
}
