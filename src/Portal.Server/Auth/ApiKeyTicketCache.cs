using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;

namespace Portal.Server.Auth;

/// <summary>
/// API keys that authenticated in the last <see cref="TimeToLive"/>, so a busy caller (inference at thousands of
/// requests a second) costs no database query per request. An entry never outlives its key's expiry; revoking a key
/// or changing a role clears every entry, so those apply at once; a lockout applies within <see cref="TimeToLive"/>.
/// Entries are keyed by the SHA-256 of the presented key, never the key itself.
/// </summary>
public sealed class ApiKeyTicketCache(TimeProvider clock)
{
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(2);

    // Only keys that authenticated are kept, so this bounds memory against many real keys, not against guessing.
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>A fresh principal for a key that authenticated recently and is still valid, or null.</summary>
    public ClaimsPrincipal? Find(string presented)
    {
        if (!_entries.TryGetValue(Fingerprint(presented), out var entry)) return null;
        if (clock.GetUtcNow() >= entry.Until) return null;
        return new ClaimsPrincipal(new ClaimsIdentity(entry.Claims, ApiKeyAuthenticationHandler.SchemeName));
    }

    public void Add(string presented, IEnumerable<Claim> claims, DateTimeOffset keyExpiresAt)
    {
        if (_entries.Count >= MaxEntries) _entries.Clear();
        var until = clock.GetUtcNow() + TimeToLive;
        _entries[Fingerprint(presented)] = new Entry([.. claims], until < keyExpiresAt ? until : keyExpiresAt);
    }

    /// <summary>Forgets every key: called through <see cref="PrincipalChanges"/> when a key is revoked or a user's role changes.</summary>
    public void Clear() => _entries.Clear();

    private static string Fingerprint(string presented) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    private sealed record Entry(Claim[] Claims, DateTimeOffset Until);
}
