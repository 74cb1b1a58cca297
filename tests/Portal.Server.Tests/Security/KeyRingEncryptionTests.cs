using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Server.Hosting;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Security;

/// <summary>The data-protection key ring (it signs cookies and antiforgery tokens) at rest: encrypted with a configured certificate, or a warning.</summary>
public sealed class KeyRingEncryptionTests : IDisposable
{
    private const string Password = "pfx-password-for-tests";
    private readonly string _certificate = Path.Combine(Path.GetTempPath(), $"portal-keyring-{Guid.NewGuid():N}.pfx");

    public KeyRingEncryptionTests()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=portal key ring (tests)", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllBytes(_certificate, certificate.Export(X509ContentType.Pfx, Password));
    }

    public void Dispose() => File.Delete(_certificate);

    [Fact]
    public async Task With_a_certificate_configured_the_keys_are_encrypted_at_rest_and_read_back_after_a_restart()
    {
        using var storage = TestStorage.Sqlite();
        string token;
        await using (var portal = WithCertificate(PortalFactory.On(storage)))
            token = portal.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("tests").Protect("kept across restarts");

        var key = await File.ReadAllTextAsync(Assert.Single(Directory.GetFiles(Path.Combine(storage.DataDirectory, "keys"), "*.xml")));
        Assert.Contains("EncryptedXmlDecryptor", key, StringComparison.Ordinal);
        Assert.DoesNotContain("unencrypted form", key, StringComparison.Ordinal);

        await using var restarted = WithCertificate(PortalFactory.On(storage));
        Assert.Equal("kept across restarts", restarted.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("tests").Unprotect(token));
        await restarted.AdminClient();
    }

    [Fact]
    public void A_certificate_that_cannot_be_opened_stops_the_start_naming_the_setting()
    {
        using var portal = PortalFactory.On(TestStorage.Sqlite(), ownsStorage: true);
        portal.Settings[KeyRingProtection.CertificateSetting] = _certificate;
        portal.Settings[KeyRingProtection.PasswordSetting] = "not the password";
        var refused = Assert.ThrowsAny<Exception>(() => portal.Services);
        Assert.Contains($"{KeyRingProtection.CertificateSetting} ({_certificate}) could not be loaded", refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_certificate_the_portal_warns_at_start_naming_the_setting()
    {
        await using var portal = new LoggedPortal();
        await portal.AdminClient();
        Assert.Contains(portal.Warnings, w => w.Contains("stored unencrypted", StringComparison.Ordinal) && w.Contains(KeyRingProtection.CertificateSetting, StringComparison.Ordinal));
        Assert.Contains(Directory.GetFiles(Path.Combine(portal.Storage.DataDirectory, "keys"), "*.xml"),
            file => File.ReadAllText(file).Contains("unencrypted form", StringComparison.Ordinal));
    }

    private PortalFactory WithCertificate(PortalFactory portal)
    {
        portal.Settings[KeyRingProtection.CertificateSetting] = _certificate;
        portal.Settings[KeyRingProtection.PasswordSetting] = Password;
        return portal;
    }

    /// <summary>A portal whose warnings are kept in <see cref="Warnings"/>.</summary>
    private sealed class LoggedPortal() : PortalFactory(TestStorage.Sqlite(), ownsStorage: true, AdminPassword)
    {
        private readonly WarningCollector _collector = new();

        public IEnumerable<string> Warnings => _collector.Warnings;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging => logging.AddProvider(_collector));
        }
    }

    private sealed class WarningCollector : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<string> Warnings { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) Warnings.Enqueue(formatter(state, exception));
        }

        public void Dispose()
        {
        }
    }
}
