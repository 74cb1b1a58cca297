using System.Diagnostics;

namespace Portal.Server.Tests.Infrastructure;

/// <summary>
/// The one way the tests wait for what happens in the background: read it again, a short pause apart, until it
/// is as wanted or the time allowed has passed. Shared by every test project (the end-to-end tests link this file).
/// </summary>
public static class Poll
{
    private static readonly TimeSpan s_defaultInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Reads until <paramref name="done"/> holds for what was read, and returns that. Once <paramref name="limit"/>
    /// has passed, throws <see cref="TimeoutException"/> with <paramref name="timedOut"/>'s account of the last read.
    /// </summary>
    public static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan limit, Func<T, string> timedOut, TimeSpan? interval = null)
    {
        var (last, met) = await Read(read, done, limit, interval);
        return met ? last : throw new TimeoutException(timedOut(last));
    }

    /// <summary>Waits until <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> saying <paramref name="timedOut"/> once <paramref name="limit"/> has passed.</summary>
    public static Task Until(Func<Task<bool>> condition, TimeSpan limit, Func<string> timedOut, TimeSpan? interval = null) =>
        Until(condition, met => met, limit, _ => timedOut(), interval);

    /// <inheritdoc cref="Until(Func{Task{bool}}, TimeSpan, Func{string}, TimeSpan?)"/>
    public static Task Until(Func<bool> condition, TimeSpan limit, Func<string> timedOut, TimeSpan? interval = null) =>
        Until(() => Task.FromResult(condition()), limit, timedOut, interval);

    /// <summary>
    /// Reads until <paramref name="done"/> holds or <paramref name="limit"/> has passed, and returns the last read
    /// either way, for the caller's assertions to judge.
    /// </summary>
    public static async Task<T> LastRead<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan limit, TimeSpan? interval = null) =>
        (await Read(read, done, limit, interval)).Last;

    private static async Task<(T Last, bool Met)> Read<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan limit, TimeSpan? interval)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value)) return (value, true);
            if (clock.Elapsed >= limit) return (value, false);
            await Task.Delay(interval ?? s_defaultInterval);
        }
    }
}
