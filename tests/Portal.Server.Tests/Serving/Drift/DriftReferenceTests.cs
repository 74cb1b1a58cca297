using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts.Datasets;
using Portal.Engine.Inference;
using Portal.Server.Artifacts;
using Portal.Server.Datasets;
using Portal.Server.Live;
using Portal.Server.Persistence;
using Portal.Server.Registry;
using Portal.Server.Serving;
using Portal.Server.Serving.Drift;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Tests.Registry;

namespace Portal.Server.Tests.Serving.Drift;

/// <summary>The reference of a real version (an ONNX file and an IDX evaluation dataset in the store) and drift published by the running portal.</summary>
public sealed class DriftReferenceTests : IDisposable
{
    private const int EvaluationCount = 120;
    private readonly PortalFactory _portal = new();

    public DriftReferenceTests() => _portal.Settings["Portal:Drift:MinSamples"] = "100";

    [Fact]
    public async Task A_versions_reference_comes_from_its_evaluation_data_and_its_own_predictions()
    {
        var (_, versionId) = await Seed(withEvaluation: true);

        var outcome = await _portal.Services.GetRequiredService<DriftReferences>().For(versionId);

        var reference = Assert.IsType<DriftReference>(outcome.Reference);
        Assert.Equal((1, EvaluationCount, SyntheticImages.Pixels), (outcome.VersionNumber, reference.Samples, reference.Bins.FeatureCount));
        Assert.StartsWith("drift-eval-", reference.Source);
        // The hand-made model is always right and the labels alternate, so it predicts each class for half the samples.
        Assert.Equal([0.5, 0.5], reference.ClassShares!);
        for (var f = 0; f < reference.Bins.FeatureCount; f++)
            Assert.Equal(1.0, reference.InputShares.AsSpan(reference.Bins.FirstBin(f), reference.Bins.BinCount(f)).ToArray().Sum(), 12);
    }

    [Fact]
    public async Task A_version_without_evaluation_data_has_no_reference_and_says_why()
    {
        var (_, versionId) = await Seed(withEvaluation: false);

        var outcome = await _portal.Services.GetRequiredService<DriftReferences>().For(versionId);

        Assert.Null(outcome.Reference);
        Assert.Contains("version 1 has no evaluation dataset", outcome.Unavailable);
    }

    [Fact]
    public async Task Traffic_equal_to_the_evaluation_data_is_published_as_zero_drift_on_the_deployment_topic()
    {
        var (model, versionId) = await Seed(withEvaluation: true);
        var monitor = _portal.Services.GetRequiredService<DriftMonitor>();
        Assert.Contains(monitor, _portal.Services.GetServices<IServingObserver>());
        using var events = _portal.Services.GetRequiredService<LiveBus>().Subscribe(DeploymentTopics.Deployment(model, "production"));
        var data = SyntheticImages.Create(EvaluationCount, seed: 2).ToDataset("served");
        using var onnx = InferenceModel.Load(Registry.HandMadeOnnx.TopVersusBottom());
        var outputs = onnx.Run(data.Features, data.Count);

        monitor.Observe(new ServedBatch(model, "production", versionId, 0, data.FeatureCount, ReadOnlyMemory<float>.Empty, 2, ReadOnlyMemory<float>.Empty));
        await _portal.Services.GetRequiredService<DriftReferences>().For(versionId);
        monitor.Observe(new ServedBatch(model, "production", versionId, data.Count, data.FeatureCount, data.Features.ToArray(), 2, outputs));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        VersionDrift? drift = null;
        while (drift?.Status != DriftStatus.Ok)
        {
            var e = await events.ReadAsync(timeout.Token);
            if (e.Type == DriftPublisher.EventType) drift = Assert.Single(Assert.IsType<DeploymentDrift>(e.Data).Versions);
        }
        Assert.Equal(EvaluationCount, drift.Samples);
        Assert.Equal(0.0, drift.PsiInput!.Value, 12);
        Assert.Equal(0.0, drift.PsiClass!.Value, 12);
    }

    public void Dispose() => _portal.Dispose();

    /// <summary>A model with version 1: the hand-made ONNX file, evaluated (or not) on 120 synthetic images stored as IDX files.</summary>
    private async Task<(string Model, Guid VersionId)> Seed(bool withEvaluation)
    {
        await using var scope = _portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var store = scope.ServiceProvider.GetRequiredService<ArtifactStore>();
        var images = SyntheticImages.Create(EvaluationCount, seed: 2);
        var dataset = new DatasetRecord
        {
            Name = $"drift-eval-{Guid.NewGuid():N}"[..19],
            Format = DatasetFormat.Idx,
            SampleShape = [1, SyntheticImages.Side, SyntheticImages.Side],
            Count = EvaluationCount,
            ClassNames = SyntheticImages.ClassNames,
            PrimaryArtifact = (await store.Write(images.ImagesIdx, CancellationToken.None)).Sha256,
            LabelsArtifact = (await store.Write(images.LabelsIdx, CancellationToken.None)).Sha256,
            CreatedBy = "tests",
        };
        var model = new RegisteredModel { Name = $"drift-{Guid.NewGuid():N}"[..14], CreatedBy = "tests" };
        var version = new ModelVersion
        {
            ModelId = model.Id,
            Number = 1,
            Source = VersionSource.Import,
            ClassNames = SyntheticImages.ClassNames,
            OnnxArtifact = (await store.Write(Registry.HandMadeOnnx.TopVersusBottom(), CancellationToken.None)).Sha256,
            EvaluationDatasetId = withEvaluation ? dataset.Id : null,
            CreatedBy = "tests",
        };
        db.Datasets.Add(dataset);
        db.Models.Add(model);
        db.ModelVersions.Add(version);
        await db.SaveChangesAsync();
        return (model.Name, version.Id);
    }
}
