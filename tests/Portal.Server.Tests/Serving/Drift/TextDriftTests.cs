using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts.Datasets;
using Portal.Engine.Inference;
using Portal.Server.Artifacts;
using Portal.Server.Persistence;
using Portal.Server.Registry;
using Portal.Server.Serving;
using Portal.Server.Serving.Drift;
using Portal.Server.Tests.Datasets;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Serving.Drift;

/// <summary>
/// Input drift of a text version: its evaluation texts, read through the version's own tokenizer, give the reference
/// of token length and unknown-token share; live token ids are compared on the same two statistics.
/// </summary>
public sealed class TextDriftTests : IDisposable
{
    private const int EvaluationCount = 120;
    private readonly PortalFactory _portal = new();

    public TextDriftTests() => _portal.Settings["Portal:Drift:MinSamples"] = "100";

    private static readonly string[][] s_words = [["bank", "loan", "stock", "price"], ["goal", "team", "match", "score"], ["rain", "snow", "storm", "wind"]];

    /// <summary>Texts of 2 to 9 known words, the classes in turn.</summary>
    private static string[] Texts(int count) =>
        [.. Enumerable.Range(0, count).Select(i => string.Join(' ', Enumerable.Range(0, 2 + i % 8).Select(j => s_words[i % 3][(i + j) % 4])))];

    [Fact]
    public async Task Texts_like_the_evaluation_texts_show_no_drift_and_texts_of_unknown_words_show_it_on_the_unknown_share()
    {
        var (model, versionId) = await Seed();
        var monitor = _portal.Services.GetRequiredService<DriftMonitor>();

        var outcome = await _portal.Services.GetRequiredService<DriftReferences>().For(versionId);

        var reference = Assert.IsType<DriftReference>(outcome.Reference);
        Assert.Equal((EvaluationCount, TextFeatures.Count), (reference.Samples, reference.Bins.FeatureCount));
        Assert.Equal(["token length", "unknown-token share"], reference.FeatureNames!);
        using var onnx = InferenceModel.Load(TextModels.Onnx());
        Observe(monitor, model, versionId, onnx, Texts(EvaluationCount));
        var same = Assert.Single(Assert.Single(monitor.Measure()).Versions);
        Assert.Equal(DriftStatus.Ok, same.Status);
        Assert.Equal(0.0, same.PsiInput!.Value, 12);

        var (other, otherId) = await Seed();
        await _portal.Services.GetRequiredService<DriftReferences>().For(otherId);
        var strange = Texts(EvaluationCount).Select((t, i) => i % 2 == 0 ? string.Join(' ', t.Split(' ').Select(w => w + "zz")) : t).ToArray();
        Observe(monitor, other, otherId, onnx, strange);
        var shifted = monitor.Measure().Single(d => d.Model == other).Versions.Single();
        Assert.True(shifted.PsiInput > 1, $"PSI {shifted.PsiInput} for half the texts made of unknown words");
        Assert.Equal("unknown-token share", shifted.MostShiftedFeatureName);
    }

    /// <summary>The texts as the server runs them (tokenized by the version's text input) seen by the drift monitor as one served batch.</summary>
    private static void Observe(DriftMonitor monitor, string model, Guid versionId, InferenceModel onnx, string[] texts)
    {
        var ids = onnx.Text!.Encode(texts);
        var length = (int)ids.Shape[1];
        var outputs = new float[texts.Length * TextModels.Classes.Length];
        onnx.RunTokens(ids.Data.Span, texts.Length, outputs);
        monitor.Observe(new ServedBatch(model, "production", versionId, texts.Length, length, ReadOnlyMemory<float>.Empty, TextModels.Classes.Length, outputs) { Tokens = ids.Data });
    }

    public void Dispose() => _portal.Dispose();

    /// <summary>A model whose version 1 is the text model, evaluated on 120 texts uploaded as a text dataset.</summary>
    private async Task<(string Model, Guid VersionId)> Seed()
    {
        var client = await _portal.CreateClientAs("Contributor");
        var csv = new StringBuilder("text,label\n");
        var texts = Texts(EvaluationCount);
        for (var i = 0; i < texts.Length; i++) csv.Append($"{texts[i]},{TextModels.Classes[i % 3]}\n");
        var dataset = await (await client.PostAsync("/api/v1/datasets/text", Uploads.Text($"drift-text-{Guid.NewGuid():N}"[..20], Encoding.UTF8.GetBytes(csv.ToString()), ("minCount", "1"))))
            .ReadJson<DatasetView>(HttpStatusCode.Created);
        await using var scope = _portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var store = scope.ServiceProvider.GetRequiredService<ArtifactStore>();
        var model = new RegisteredModel { Name = $"drift-{Guid.NewGuid():N}"[..14], CreatedBy = "tests" };
        var version = new ModelVersion
        {
            ModelId = model.Id,
            Number = 1,
            Source = VersionSource.Import,
            ClassNames = TextModels.Classes,
            OnnxArtifact = (await store.Write(TextModels.Onnx(), CancellationToken.None)).Sha256,
            EvaluationDatasetId = dataset.Id,
            CreatedBy = "tests",
        };
        db.Models.Add(model);
        db.ModelVersions.Add(version);
        await db.SaveChangesAsync();
        return (model.Name, version.Id);
    }
}
