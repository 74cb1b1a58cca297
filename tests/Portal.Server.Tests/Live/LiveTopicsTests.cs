using Portal.Server.Live;

namespace Portal.Server.Tests.Live;

public sealed class LiveTopicsTests
{
    [Theory]
    [InlineData("run:0f8fad5b-d9cb-469f-a165-70867728950e")]
    [InlineData("job:0f8fad5b-d9cb-469f-a165-70867728950e")]
    [InlineData("compression:0f8fad5b-d9cb-469f-a165-70867728950e")]
    [InlineData("jobs")]
    [InlineData("deployment:fashion/production")]
    public void Runs_jobs_compressions_and_deployments_may_be_followed(string topic) => Assert.Null(LiveTopics.Refusal(topic));

    [Theory]
    [InlineData("compression:not-a-guid")]
    [InlineData("compression:")]
    [InlineData("compressions")]
    [InlineData("secrets:everything")]
    public void Anything_else_is_refused_with_a_message_listing_the_topics_that_exist(string topic)
    {
        var refusal = LiveTopics.Refusal(topic);

        Assert.NotNull(refusal);
        Assert.Contains($"'{topic}' is not a live topic", refusal);
        Assert.Contains("compression:{id}", refusal);
    }
}
