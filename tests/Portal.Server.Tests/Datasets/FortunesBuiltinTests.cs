using Portal.Contracts;
using Portal.Contracts.Datasets;
using Portal.Server.Auth;
using Portal.Server.Datasets;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Datasets;

public sealed class FortunesBuiltinTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task The_fortunes_are_registered_at_start_as_two_text_splits_sharing_the_training_tokenizer()
    {
        var client = await portal.CreateClientAs(PortalRoles.Viewer);

        var datasets = (await client.GetJson<Page<DatasetView>>("/api/v1/datasets?limit=500")).Items;
        var train = Assert.Single(datasets, d => d.Name == BuiltinDatasets.FortunesTrainName);
        var test = Assert.Single(datasets, d => d.Name == BuiltinDatasets.FortunesTestName);

        Assert.Equal((DatasetFormat.Builtin, 3866, DatasetFormat.Builtin, 967), (train.Format, train.Count, test.Format, test.Count));
        Assert.Equal(["computers", "definitions", "people", "politics", "science"], test.ClassNames);
        Assert.NotNull(train.TokenizerArtifact);
        Assert.Equal(train.TokenizerArtifact, test.TokenizerArtifact);
        Assert.Contains("(210, 241, 250, 141, 125)", test.Description);
        var trainStatistics = await client.GetJson<TextStatisticsView>($"/api/v1/datasets/{train.Id}/text-statistics");
        var testStatistics = await client.GetJson<TextStatisticsView>($"/api/v1/datasets/{test.Id}/text-statistics");
        Assert.Equal([210, 241, 250, 141, 125], testStatistics.Classes.Select(c => c.Count));
        Assert.Equal([841, 962, 1001, 562, 500], trainStatistics.Classes.Select(c => c.Count));
        Assert.True(testStatistics.TokenCoverage < trainStatistics.TokenCoverage,
            $"held-out coverage {testStatistics.TokenCoverage} against the training split's own {trainStatistics.TokenCoverage}");
    }
}
