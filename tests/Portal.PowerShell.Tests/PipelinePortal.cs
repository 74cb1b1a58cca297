using Portal.Server.Auth;
using Portal.Server.Tests.Datasets;
using Portal.Server.Tests.Infrastructure;

namespace Portal.PowerShell.Tests;

/// <summary>
/// A portal with a small registry for scripts run in a real pwsh (<see cref="RealPwsh"/>): datasets of separable 6×6
/// images, a finished run, the model <c>fashion</c> (the name the help examples use) with three versions and production
/// on version 1, the empty model <c>fashion-imported</c>, and the model <c>rollback</c> whose production moved from
/// version 1 to 2. Both productions have answered a request, so their deployments have figures. Made once, in the
/// hosted engine, as a Contributor and an Approver.
/// </summary>
public sealed class PipelinePortal : IAsyncLifetime, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("portal-pipes-").FullName;

    public ModulePortal Portal { get; } = new();

    public TestUser Contributor { get; private set; } = null!;

    public TestUser Approver { get; private set; } = null!;

    public Guid TrainId { get; private set; }

    public Guid TestId { get; private set; }

    public Guid RunId { get; private set; }

    /// <summary>What a script needs to connect and find the registry: the portal, both users' keys and the ids.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["PORTAL_URL"] = Portal.Address.ToString(),
        ["PORTAL_API_KEY"] = Contributor.ApiKey,
        ["PORTAL_APPROVER_KEY"] = Approver.ApiKey,
        ["PIPES_TRAIN"] = TrainId.ToString(),
        ["PIPES_TEST"] = TestId.ToString(),
        ["PIPES_RUN"] = RunId.ToString(),
    };

    public async Task InitializeAsync()
    {
        Contributor = await Portal.ConnectAs(PortalRoles.Contributor);
        Approver = await Portal.CreateUser(PortalRoles.Approver);
        var files = new Dictionary<string, object?>();
        foreach (var (name, seed, count) in new[] { ("train", 31, 300), ("test", 32, 90) })
        {
            var (images, labels) = IdxFiles.Separable(count, 6, 3, seed);
            files[$"{name}Images"] = Path.Combine(_folder, $"{name}-images.idx");
            files[$"{name}Labels"] = Path.Combine(_folder, $"{name}-labels.idx");
            await File.WriteAllBytesAsync((string)files[$"{name}Images"]!, images);
            await File.WriteAllBytesAsync((string)files[$"{name}Labels"]!, labels);
        }
        var made = Portal.Invoke($$"""
            $train = Import-PortalDataset -Name pipes-train -ImagesPath $trainImages -LabelsPath $trainLabels -ClassName a, b, c
            $test = Import-PortalDataset -Name pipes-test -ImagesPath $testImages -LabelsPath $testLabels -ClassName a, b, c
            $run = $train | Start-PortalTraining -Spec {{ModulePortal.TinySpec.Script}} -Epochs 2 -BatchSize 16 -Seed 3 | Wait-PortalRun
            foreach ($model in 'fashion', 'fashion-imported', 'rollback') { New-PortalModel -Name $model | Out-Null }
            foreach ($n in 1..3) { $run | Register-PortalModelVersion -Model fashion -EvaluationDatasetId $test.Id | Out-Null }
            foreach ($n in 1..2) { $run | Register-PortalModelVersion -Model rollback -EvaluationDatasetId $test.Id | Out-Null }
            $train.Id, $test.Id, $run.Id
            """, files);
        (TrainId, TestId, RunId) = ((Guid)made[0].BaseObject, (Guid)made[1].BaseObject, (Guid)made[2].BaseObject);

        Promote("fashion", 1);
        Promote("rollback", 1);
        Promote("rollback", 2);
        foreach (var model in new[] { "fashion", "rollback" }) await AnswerOnce(model);
        Portal.Connect(Contributor.ApiKey);
    }

    /// <summary>The Contributor asks for production at <paramref name="version"/> and the Approver approves.</summary>
    private void Promote(string model, int version)
    {
        Portal.Connect(Contributor.ApiKey);
        var request = Portal.Invoke("Submit-PortalPromotion -Model $model -Version $version", new() { ["model"] = model, ["version"] = version }).Single();
        Portal.Connect(Approver.ApiKey);
        Portal.Invoke("$request | Approve-PortalPromotion", new() { ["request"] = request });
    }

    /// <summary>Infers through production until the newly promoted version answers (it loads after the approval).</summary>
    private Task AnswerOnce(string model) =>
        Poll.Until(() =>
            {
                var answer = Portal.Run("Invoke-PortalInference -Model $model -InputObject (, [float[]]::new(36))", new() { ["model"] = model });
                return answer.Errors.Count == 0 && answer.Output.Count == 1;
            },
            TimeSpan.FromSeconds(20), () => $"Production of {model} never answered.", TimeSpan.FromMilliseconds(100));

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        Portal.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
