namespace Portal.Server.Auth;

/// <summary>
/// The one "principal changed" signal: a user's key was revoked, their role changed or they signed out. What holds a
/// principal for long (a live hub connection, a Blazor circuit) watches its user and checks the principal again
/// (<see cref="PrincipalCheck"/>) when the signal comes, so the change reaches open connections at once rather than at
/// their next sign-in. Raising it also forgets the remembered API-key authentications.
/// </summary>
public sealed class PrincipalChanges(ApiKeyTicketCache tickets)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Action>> _watchers = new(StringComparer.Ordinal);

    /// <summary>Calls <paramref name="onChanged"/> each time <paramref name="userId"/>'s principal changes, until disposed.</summary>
    public IDisposable Watch(string userId, Action onChanged)
    {
        lock (_gate)
        {
            if (!_watchers.TryGetValue(userId, out var list)) _watchers[userId] = list = [];
            list.Add(onChanged);
        }
        return new Watching(this, userId, onChanged);
    }

    /// <summary>Tells every watcher of <paramref name="userId"/> to check its principal again.</summary>
    public void Raise(string userId)
    {
        tickets.Clear();
        Action[] watchers;
        lock (_gate) watchers = _watchers.TryGetValue(userId, out var list) ? [.. list] : [];
        foreach (var watcher in watchers) watcher();
    }

    private void Forget(string userId, Action onChanged)
    {
        lock (_gate)
        {
            if (!_watchers.TryGetValue(userId, out var list)) return;
            list.Remove(onChanged);
            if (list.Count == 0) _watchers.Remove(userId);
        }
    }

    private sealed class Watching(PrincipalChanges changes, string userId, Action onChanged) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) changes.Forget(userId, onChanged);
        }
    }
}
