using System.Security.Cryptography;
using System.Text;

namespace Portal.Server.Audit;

/// <summary>
/// The secret that keys the audit chain's hashes and its checkpoints: 32 random bytes, base64, in
/// <c>keys/audit-chain.key</c> of the data folder (mode 0600), made on the first start and never stored in the
/// database. Whoever can write the database but not read this file cannot rewrite the chain undetected.
/// </summary>
public sealed class AuditChainKey
{
    public const string FileName = "audit-chain.key";
    private const int SecretBytes = 32;

    private readonly byte[] _secret;

    public AuditChainKey(byte[] secret)
    {
        if (secret.Length != SecretBytes) throw new ArgumentException($"The audit key must be {SecretBytes} bytes.", nameof(secret));
        _secret = secret;
    }

    /// <summary>Reads the key from <paramref name="keysDirectory"/>, creating it (and the folder, 0700) the first time.</summary>
    public static AuditChainKey LoadOrCreate(string keysDirectory)
    {
        var path = Path.Combine(keysDirectory, FileName);
        if (!File.Exists(path)) Create(keysDirectory, path);
        byte[] secret;
        try
        {
            secret = Convert.FromBase64String(File.ReadAllText(path).Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"The audit key {path} is not base64; restore it from the backup of the data folder's keys.");
        }
        if (secret.Length != SecretBytes) throw new InvalidOperationException($"The audit key {path} holds {secret.Length} bytes, not {SecretBytes}; restore it from the backup of the data folder's keys.");
        return new AuditChainKey(secret);
    }

    /// <summary>HMAC-SHA256 of <paramref name="text"/> under the key, as lower-case hex.</summary>
    public string Mac(string text) => Convert.ToHexStringLower(HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(text)));

    private static void Create(string keysDirectory, string path)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(keysDirectory);
        else Directory.CreateDirectory(keysDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Written whole under a temporary name and renamed, so a crash never leaves a short key; a second process
        // starting at the same moment keeps the first one's key.
        var temp = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using (var file = new FileStream(temp, options))
            {
                file.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBytes)) + "\n"));
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
