using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Server.Artifacts;
using Portal.Server.Persistence;
using Portal.Server.Tests.Registry;

namespace Portal.Server.Tests.Persistence;

[Collection(RegistryCollection.Name)]
public sealed class ArtifactLifecycleTests(RegistryFixture fixture)
{
    [Fact]
    public async Task A_failed_keep_leaves_the_file_that_another_keep_in_flight_wrote_too()
    {
        var content = RandomNumberGenerator.GetBytes(2000);
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        using var first = fixture.Portal.Services.CreateScope();
        using var second = fixture.Portal.Services.CreateScope();
        var store = first.ServiceProvider.GetRequiredService<ArtifactStore>();
        var failingDb = first.ServiceProvider.GetRequiredService<PortalDbContext>();
        var keepingDb = second.ServiceProvider.GetRequiredService<PortalDbContext>();
        var failingWrote = new TaskCompletionSource();
        var keepingWrote = new TaskCompletionSource();

        // The failing call creates the file; the keeping call writes the same content before the failure is cleaned up.
        var failing = store.Keep(failingDb, async files =>
        {
            await files.Write(content, "application/octet-stream", CancellationToken.None);
            failingWrote.SetResult();
            await keepingWrote.Task;
            return 0;
        }, _ => Task.FromException<int>(new InvalidOperationException("the save was refused")), CancellationToken.None);
        await failingWrote.Task;
        await store.Keep(keepingDb, async files =>
        {
            await files.Write(content, "application/octet-stream", CancellationToken.None);
            keepingWrote.SetResult();
            await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
            return 0;
        }, async _ =>
        {
            await keepingDb.SaveChangesAsync();
            return 0;
        }, CancellationToken.None);

        Assert.True(store.Exists(sha), "the failed call deleted a file that the other call went on to record");
        Assert.True(await keepingDb.Artifacts.AnyAsync(a => a.Sha256 == sha));
    }
}
