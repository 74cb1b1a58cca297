using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts;
using Portal.Contracts.Alerts;
using Portal.Contracts.Datasets;
using Portal.Server.Api;
using Portal.Server.Artifacts;
using Portal.Server.Datasets;
using Portal.Server.Persistence;
using Portal.Server.Registry;
using Portal.Server.Serving;
using Portal.Server.Serving.Alerts;
using Portal.Server.Tests.Infrastructure;
using Portal.Server.Tests.Registry;
using static Portal.Server.Tests.Serving.Alerts.AlertCalls;

namespace Portal.Server.Tests.Serving.Alerts;

/// <summary>End to end with the serving core: real /v2 inference feeds drift, real metrics and drift feed the alert evaluator.</summary>
public sealed class ServedDriftAlertTests : IDisposable
{
    private const int Count = 120;
    private readonly PortalFactory _portal = new();

    public ServedDriftAlertTests()
    {
        _portal.Settings["Portal:Drift:MinSamples"] = "100";
        _portal.Settings["Portal:Serving:WarmUpRuns"] = "2";
    }

    [Fact]
    public async Task Inverted_images_served_through_v2_raise_an_input_drift_alert_and_traffic_raises_a_throughput_alert()
    {
        var model = await Seed();
        var admin = await _portal.AdminClient();
        await (await admin.PostJson(RulesUrl, new { name = "drift", metric = "psi_input", threshold = 0.2, model })).AssertStatus(HttpStatusCode.Created);
        await (await admin.PostJson(RulesUrl, new { name = "busy", metric = "requests_per_second", threshold = 0, model })).AssertStatus(HttpStatusCode.Created);
        var viewer = await _portal.CreateClientAs("Viewer");
        var data = SyntheticImages.Create(Count, seed: 5).ToDataset("served");
        var inverted = data.Features.ToArray().Select(v => 1f - v).ToArray();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<AlertView> alerts = [];
        string? lastRefusal = null;
        while (DateTime.UtcNow < deadline && alerts.Select(a => a.Metric).Distinct().Count() < 2)
        {
            var response = await viewer.PostAsync($"/v2/models/{model}/infer", new StringContent(Body(inverted, Count), Encoding.UTF8, "application/json"));
            // The deployment loads in the background after the alias moves; until then the request is refused.
            if (response.StatusCode != HttpStatusCode.OK) lastRefusal = await response.Content.ReadAsStringAsync();
            alerts = [.. (await viewer.GetJson<Page<AlertView>>($"{AlertsUrl}?model={model}")).Items];
            await Task.Delay(200);
        }

        Assert.True(alerts.Count >= 2, $"alerts: {string.Join(", ", alerts.Select(a => a.Metric))}; last refusal: {lastRefusal}");
        var drift = Assert.Single(alerts, a => a.Metric == "psi_input");
        Assert.True(drift.Value > 1, $"inverted images should drift far from the evaluation data, PSI was {drift.Value}");
        Assert.Single(alerts, a => a.Metric == "requests_per_second");
    }

    public void Dispose() => _portal.Dispose();

    private static string Body(float[] rows, int count) =>
        $"{{\"inputs\":[{{\"name\":\"input\",\"shape\":[{count},{SyntheticImages.Pixels}],\"datatype\":\"FP32\",\"data\":[{string.Join(",", rows.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}]}}]}}";

    private async Task<string> Seed()
    {
        string name;
        await using (var scope = _portal.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var store = scope.ServiceProvider.GetRequiredService<ArtifactStore>();
            var images = SyntheticImages.Create(Count, seed: 2);
            var dataset = new DatasetRecord
            {
                Name = $"e2e-eval-{Guid.NewGuid():N}"[..17],
                Format = DatasetFormat.Idx,
                SampleShape = [1, SyntheticImages.Side, SyntheticImages.Side],
                Count = Count,
                ClassNames = SyntheticImages.ClassNames,
                PrimaryArtifact = (await store.Write(images.ImagesIdx, CancellationToken.None)).Sha256,
                LabelsArtifact = (await store.Write(images.LabelsIdx, CancellationToken.None)).Sha256,
                CreatedBy = "tests",
            };
            var model = new RegisteredModel { Name = $"e2e-{Guid.NewGuid():N}"[..12], CreatedBy = "tests" };
            db.Datasets.Add(dataset);
            db.Models.Add(model);
            db.ModelVersions.Add(new ModelVersion
            {
                ModelId = model.Id,
                Number = 1,
                Source = VersionSource.Import,
                ClassNames = SyntheticImages.ClassNames,
                OnnxArtifact = (await store.Write(HandMadeOnnx.TopVersusBottom(), CancellationToken.None)).Sha256,
                EvaluationDatasetId = dataset.Id,
                CreatedBy = "tests",
            });
            await db.SaveChangesAsync();
            name = model.Name;
        }
        await Approvals.ModelSeed.Hold(_portal, name, "production", 1);
        return name;
    }
}
