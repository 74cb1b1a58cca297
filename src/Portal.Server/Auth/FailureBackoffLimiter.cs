using System.Threading.RateLimiting;

namespace Portal.Server.Auth;

/// <summary>How many failed sign-ins pass freely, and how the wait after each further one grows.</summary>
/// <param name="FreeFailures">Failures with no wait after them.</param>
/// <param name="FirstDelay">The wait after the first failure beyond those; it doubles with each further failure.</param>
/// <param name="MaxDelay">The longest wait.</param>
/// <param name="Memory">Failures are forgotten once this long passes without one.</param>
public sealed record FailureBackoff(int FreeFailures, TimeSpan FirstDelay, TimeSpan MaxDelay, TimeSpan Memory)
{
    public TimeSpan DelayAfter(int failures)
    {
        if (failures <= FreeFailures) return TimeSpan.Zero;
        var doublings = Math.Min(failures - FreeFailures - 1, 30);
        var delay = FirstDelay * Math.Pow(2, doublings);
        return delay < MaxDelay ? delay : MaxDelay;
    }
}

/// <summary>
/// A rate limiter whose permit is one failed sign-in: <c>AttemptAcquire(0)</c> asks whether an attempt may be made
/// now (a refused lease carries <see cref="MetadataName.RetryAfter"/>), <c>AttemptAcquire(1)</c> records a failure
/// and starts the wait it earns (its lease carries <see cref="Failures"/>). Successes are never counted, so signing
/// in often costs nothing; failures only ever delay, never lock.
/// </summary>
public sealed class FailureBackoffLimiter(FailureBackoff backoff, TimeProvider clock) : RateLimiter
{
    /// <summary>The failures remembered, including the one just recorded.</summary>
    public static readonly MetadataName<int> Failures = MetadataName.Create<int>("FAILURES");

    private readonly Lock _gate = new();
    private readonly DateTimeOffset _created = clock.GetUtcNow();
    private int _failures;
    private DateTimeOffset _lastFailure;
    private DateTimeOffset _openAt;

    /// <summary>Idle (so a partitioned limiter may drop it) once it remembers no failure.</summary>
    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_gate)
            {
                var now = clock.GetUtcNow();
                Forget(now);
                return _failures == 0 ? now - (_lastFailure > _created ? _lastFailure : _created) : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            Forget(now);
            return new RateLimiterStatistics { CurrentAvailablePermits = now < _openAt ? 0 : 1 };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            Forget(now);
            if (now < _openAt) return new Lease(false, _openAt - now, _failures);
            if (permitCount == 0) return new Lease(true, null, _failures);
            _failures += permitCount;
            _lastFailure = now;
            _openAt = now + backoff.DelayAfter(_failures);
            return new Lease(true, null, _failures);
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private void Forget(DateTimeOffset now)
    {
        if (_failures > 0 && now - _lastFailure >= backoff.Memory) _failures = 0;
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter, int failures) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames =>
            retryAfter is null ? [Failures.Name] : [Failures.Name, MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (metadataName == Failures.Name)
            {
                metadata = failures;
                return true;
            }
            if (metadataName == MetadataName.RetryAfter.Name && retryAfter is { } wait)
            {
                metadata = wait;
                return true;
            }
            metadata = null;
            return false;
        }
    }
}
