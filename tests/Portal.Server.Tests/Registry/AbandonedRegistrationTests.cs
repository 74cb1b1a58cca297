using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Server.Artifacts;
using Portal.Server.Persistence;
using Portal.Server.Registry;

namespace Portal.Server.Tests.Registry;

[Collection(RegistryCollection.Name)]
public sealed class AbandonedRegistrationTests(RegistryFixture fixture)
{
    [Fact]
    public async Task A_registration_that_fails_to_save_deletes_the_files_it_stored_and_keeps_those_recorded_before()
    {
        var model = await fixture.CreateModel("abandoned");
        var holder = await fixture.RegisterFromRun(model);
        using var scope = fixture.Portal.Services.CreateScope();
        var registration = scope.ServiceProvider.GetRequiredService<VersionRegistration>();
        var store = scope.ServiceProvider.GetRequiredService<ArtifactStore>();
        var modelId = await scope.ServiceProvider.GetRequiredService<PortalDbContext>().Models.Where(m => m.Name == model).Select(m => m.Id).SingleAsync();
        var onnx = HandMadeOnnx.TopVersusBottom(classZeroBias: Random.Shared.NextSingle() * 1e-3f + 1e-6f);
        var recordedWeights = await store.ReadVerified(fixture.WeightsSha, CancellationToken.None);
        // The version id is taken, so the save fails on the primary key after the files are stored.
        var derived = new DerivedVersion(holder.Id, modelId, holder.Id, fixture.TestDatasetId, null, [.. holder.ClassNames], onnx, recordedWeights, "{}", "{}", Guid.NewGuid());

        var refused = await Assert.ThrowsAsync<Refusal>(() => registration.FromCompression(derived, "tests", CancellationToken.None));

        Assert.Contains("register again", refused.Message);
        Assert.False(store.Exists(Convert.ToHexStringLower(SHA256.HashData(onnx))), "the ONNX file the failed registration wrote is still stored");
        Assert.True(store.Exists(fixture.WeightsSha), "a file that a record referenced before was deleted");
    }
}
