using System.Collections.Concurrent;

namespace Portal.Server.Live;

/// <summary>
/// The in-process fan-out of progress: publishers (the training loop, the job runner, serving) never wait, each
/// subscriber reads from a bounded buffer of its own that drops its oldest events when full. Each topic retains
/// its last <see cref="HistoryCapacity"/> events so a late subscriber (<see cref="SubscribeFrom"/>) gets the
/// history, then the live tail. The SignalR hub (<see cref="LiveHub"/>) and Blazor components subscribe here.
/// </summary>
public sealed class LiveBus(TimeProvider clock, int historyCapacity = LiveBus.DefaultHistoryCapacity, int idleHistories = LiveBus.DefaultIdleHistories)
{
    public const int DefaultCapacity = 1024;

    /// <summary>
    /// Topics without a subscriber that keep their history: the most recently active ones. A server that has run
    /// many trainings would otherwise hold every run's step events for its whole life; a topic past the budget keeps
    /// its sequence number and sheds its events (a late subscriber sees them as <see cref="LiveSubscription.Missed"/>
    /// and reads the stored curve instead).
    /// </summary>
    public const int DefaultIdleHistories = 32;

    private long _activity;

    /// <summary>
    /// Events retained per topic: a whole run's step events for runs up to ~16 k optimiser steps (35 Fashion-MNIST
    /// epochs at batch 128), 4.5 hours of a deployment's per-second metrics. Older epochs of a run are in the REST
    /// API's stored curve (GET /api/v1/runs/{id}/metrics).
    /// </summary>
    public const int DefaultHistoryCapacity = 16_384;

    // Topics are kept for the life of the process so their sequence numbers never restart.
    private readonly ConcurrentDictionary<string, LiveTopic> _topics = new(StringComparer.Ordinal);

    public int HistoryCapacity { get; } = historyCapacity >= 0 ? historyCapacity
        : throw new ArgumentOutOfRangeException(nameof(historyCapacity), historyCapacity, "The history capacity must be 0 or more.");

    public int IdleHistories { get; } = idleHistories >= 0 ? idleHistories
        : throw new ArgumentOutOfRangeException(nameof(idleHistories), idleHistories, "The number of idle topics that keep their history must be 0 or more.");

    /// <summary>Events retained on <paramref name="topic"/>.</summary>
    public int RetainedCount(string topic) => _topics.TryGetValue(topic, out var t) ? t.RetainedCount : 0;

    public LiveEvent Publish(string topic, string type, object data)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return Topic(topic).Publish(type, data, clock.GetUtcNow());
    }

    /// <summary>Events published on <paramref name="topic"/> from now on, until the subscription is disposed.</summary>
    public LiveSubscription Subscribe(string topic, int capacity = DefaultCapacity)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        return Topic(topic).Subscribe(capacity);
    }

    /// <summary>
    /// The retained events of <paramref name="topic"/> with a sequence number above <paramref name="afterSequence"/>
    /// (0: all of them), then every later event as it is published: no gap, no duplicate. Events older than the
    /// history cap are counted in <see cref="LiveSubscription.Missed"/>. A number above the topic's last one comes
    /// from before a restart and replays the whole history. <paramref name="capacity"/> bounds the live tail only.
    /// </summary>
    public LiveSubscription SubscribeFrom(string topic, long afterSequence, int capacity = DefaultCapacity)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        return Topic(topic).Subscribe(capacity, afterSequence);
    }

    /// <summary>The sequence number of the last event on <paramref name="topic"/>, 0 when none was published.</summary>
    public long LastSequence(string topic) => _topics.TryGetValue(topic, out var t) ? t.LastSequence : 0;

    private LiveTopic Topic(string name)
    {
        var stamp = Interlocked.Increment(ref _activity);
        if (_topics.TryGetValue(name, out var topic))
        {
            topic.Touch(stamp);
            return topic;
        }
        topic = _topics.GetOrAdd(name, static (n, cap) => new LiveTopic(n, cap), HistoryCapacity);
        topic.Touch(stamp);
        // Only a new topic can push an idle one past the budget, so the check runs when one is made.
        ShedIdleHistories();
        return topic;
    }

    private void ShedIdleHistories()
    {
        var idle = _topics.Values.Where(t => t.SubscriberCount == 0 && t.RetainedCount > 0).ToList();
        if (idle.Count <= IdleHistories) return;
        foreach (var topic in idle.OrderByDescending(t => t.LastActivity).Skip(IdleHistories)) topic.ShedHistory();
    }
}
