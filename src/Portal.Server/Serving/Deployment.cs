using Portal.Contracts.Serving;

namespace Portal.Server.Serving;

/// <summary>
/// A model's alias as served: the version that holds the alias and, optionally, a canary version that receives
/// a share of the requests. Routing is one immutable snapshot swapped atomically, so a request sees either the
/// old versions or the new ones, never half of a change.
/// </summary>
public sealed class Deployment(Guid modelId, string model, string alias, BatchingSettings batching)
{
    private volatile Routing _routing = Routing.Empty;
    private volatile BatchingSettings _batching = batching;
    private volatile bool _batchingForced;

    public Guid ModelId { get; } = modelId;
    public string Model { get; } = model;
    public string Alias { get; } = alias;

    /// <summary>Serialises loads and swaps of this deployment.</summary>
    internal SemaphoreSlim Changes { get; } = new(1, 1);

    public Routing Current => _routing;

    public BatchingSettings Batching
    {
        get => _batching;
        internal set => _batching = value;
    }

    /// <summary>
    /// True when an owner set maxBatchSize above 1 on this deployment (PUT …/batching): its versions are batched even
    /// when they did not pass the batch independence check (<see cref="BatchingRule"/>).
    /// </summary>
    public bool BatchingForced
    {
        get => _batchingForced;
        internal set => _batchingForced = value;
    }

    /// <summary>Why the alias's version is not served (it could not be loaded), or null.</summary>
    public string? Problem { get; internal set; }

    public bool IsReady => _routing.Primary is not null;

    /// <summary>The version this request goes to, with a reference taken (release it); null when nothing is served.</summary>
    public ServedVersion? Acquire()
    {
        while (true)
        {
            var routing = _routing;
            var chosen = routing.Canary is { } canary && routing.CanaryPercent > 0 && Random.Shared.NextDouble() * 100 < routing.CanaryPercent
                ? canary
                : routing.Primary;
            if (chosen is null) return null;
            if (chosen.TryAcquire()) return chosen;
            // Released by a swap between reading the routing and taking the reference: the new routing is already in place.
        }
    }

    /// <summary>Acquires a served version of this deployment by number (holder or canary), or null.</summary>
    public ServedVersion? Acquire(int number)
    {
        while (true)
        {
            var routing = _routing;
            var chosen = routing.Primary?.Number == number ? routing.Primary : routing.Canary?.Number == number ? routing.Canary : null;
            if (chosen is null) return null;
            if (chosen.TryAcquire()) return chosen;
        }
    }

    /// <summary>Switches routing; the versions no longer routed to are released (freed once their requests finish).</summary>
    internal void Switch(Routing next)
    {
        var previous = _routing;
        _routing = next;
        if (previous.Primary is { } p && !ReferenceEquals(p, next.Primary) && !ReferenceEquals(p, next.Canary)) p.Release();
        if (previous.Canary is { } c && !ReferenceEquals(c, next.Primary) && !ReferenceEquals(c, next.Canary)) c.Release();
    }

    public override string ToString() => $"{Model}/{Alias}";
}

/// <summary>Where a deployment's requests go: the holder, and a canary with its share in percent.</summary>
public sealed record Routing(ServedVersion? Primary, ServedVersion? Canary, double CanaryPercent)
{
    public static Routing Empty { get; } = new(null, null, 0);

    public IEnumerable<ServedVersion> Versions
    {
        get
        {
            if (Primary is not null) yield return Primary;
            if (Canary is not null) yield return Canary;
        }
    }
}
