using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Server.Audit;
using Portal.Server.Persistence;

namespace Portal.Server.Auth;

/// <summary>Creates, finds and revokes API keys. The secret exists only in the value returned by <see cref="Create"/>.</summary>
public sealed class ApiKeyService(PortalDbContext db, AuditLog audit, TimeProvider clock, PrincipalChanges changes)
{
    private const string Scheme = "ptl";

    public sealed record CreatedKey(ApiKey Key, string Secret);

    public async Task<CreatedKey> Create(string userId, string name, TimeSpan lifetime, string actor, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(name)) throw Refusal.Invalid("An API key needs a name.");
        if (lifetime <= TimeSpan.Zero || lifetime > TimeSpan.FromDays(366)) throw Refusal.Invalid($"An API key lives between 1 second and 366 days, not {lifetime}.");
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = $"{Scheme}_{prefix}_{Base64Url(RandomNumberGenerator.GetBytes(32))}";
        var now = clock.GetUtcNow();
        var key = new ApiKey
        {
            UserId = userId,
            Name = name.Trim(),
            Prefix = prefix,
            SecretHash = Hash(secret),
            CreatedAt = now,
            ExpiresAt = now + lifetime,
        };
        db.ApiKeys.Add(key);
        audit.Append(actor, "apikey.create", "apikey", key.Id.ToString(), new { key.Name, key.Prefix, key.ExpiresAt, userId });
        await db.SaveChangesAsync(ct);
        return new CreatedKey(key, secret);
    }

    /// <summary>The active key that <paramref name="presented"/> is, or null. Compares hashes in constant time.</summary>
    public async Task<ApiKey?> Find(string presented, CancellationToken ct)
    {
        // The secret part is base64url, which may itself contain '_': split off the scheme and prefix only.
        var parts = presented.Split('_', 3);
        if (parts.Length != 3 || parts[0] != Scheme) return null;
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Prefix == parts[1], ct);
        if (key is null || !CryptographicOperations.FixedTimeEquals(key.SecretHash, Hash(presented))) return null;
        return key.IsActive(clock.GetUtcNow()) ? key : null;
    }

    public async Task<bool> Revoke(Guid id, string actor, CancellationToken ct)
    {
        var key = await db.ApiKeys.FindAsync([id], ct);
        if (key is null) return false;
        if (key.RevokedAt is null)
        {
            key.RevokedAt = clock.GetUtcNow();
            audit.Append(actor, "apikey.revoke", "apikey", key.Id.ToString(), new { key.Name, key.Prefix });
            await db.SaveChangesAsync(ct);
            changes.Raise(key.UserId);
        }
        return true;
    }

    private static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
