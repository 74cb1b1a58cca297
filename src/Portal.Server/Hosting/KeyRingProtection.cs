using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;

namespace Portal.Server.Hosting;

/// <summary>
/// The data-protection key ring (it signs the sign-in cookie and antiforgery tokens) in the data folder's keys area,
/// so cookies outlive restarts and do not depend on the account's home folder; encrypted at rest with the certificate
/// of <see cref="KeyRingOptions"/> when one is configured.
/// </summary>
public static class KeyRingProtection
{
    public const string CertificateSetting = "Portal:KeyRing:CertificatePath";
    public const string PasswordSetting = "Portal:KeyRing:CertificatePassword";

    public static IServiceCollection AddPortalDataProtection(this IServiceCollection services, PortalOptions options)
    {
        var keys = DataFolder.Keys(options);
        var protection = services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(keys));
        if (options.KeyRing.CertificatePath is { Length: > 0 } path) protection.ProtectKeysWithCertificate(Load(path, options.KeyRing.CertificatePassword));
        else services.AddSingleton<IStartupTask>(sp => new UnencryptedWarning(keys, sp.GetRequiredService<ILogger<UnencryptedWarning>>()));
        return services;
    }

    private static X509Certificate2 Load(string path, string? password)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"{CertificateSetting} ({path}) could not be loaded with {PasswordSetting}: {e.Message}", e);
        }
        if (!certificate.HasPrivateKey)
            throw new InvalidOperationException($"{CertificateSetting} ({path}) holds no private key; the key ring needs one to read its keys back.");
        return certificate;
    }

    /// <summary>Says at every start that the keys are unencrypted, and which setting changes that.</summary>
    public sealed class UnencryptedWarning(string keys, ILogger<UnencryptedWarning> logger) : IStartupTask
    {
        public int Order => 0;

        public Task Run(IServiceProvider services, CancellationToken ct)
        {
            logger.LogWarning("The data-protection keys in {Keys} (they sign sign-in cookies and antiforgery tokens) are stored unencrypted; set {Certificate} to a .pfx file and {Password} to its password to encrypt them at rest", keys, CertificateSetting, PasswordSetting);
            return Task.CompletedTask;
        }
    }
}
