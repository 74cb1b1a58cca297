using System.Net;
using System.Text.Json;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Serving;

/// <summary>
/// Token models batched like the FP32 path, then run in groups of similar length: a Portal text model (which declares
/// and masks its padding) has rows of different lengths padded to the longest in their group; a foreign token model
/// with no declared padding has only rows of one length run together. Masked padding adds exact zeros to attention
/// and pooling, so a padded row differs from its solo answer only by float summation order (1e-5 on these logits).
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class TokenBatchingTests(ServingPortal portal)
{
    private const float Tolerance = 1e-5f;

    private static readonly string[] s_words = ["goal", "bank", "rain", "the", "match", "loan", "snow", "unheard", "score", "stock", "storm", "coach"];

    /// <summary>Text i of 1 to 15 words (the longest are cut at 12 tokens), so lengths differ across callers.</summary>
    private static string Text(int i) => string.Join(' ', Enumerable.Range(0, 1 + i % 15).Select(j => s_words[(i * 7 + j * 5) % s_words.Length]));

    [Fact]
    public async Task Concurrent_text_callers_of_different_lengths_are_merged_and_each_gets_its_solo_answer()
    {
        var model = await portal.Serve(TextModels.Onnx(seed: 4));
        await (await portal.Admin.PutBatching(model, new { maxBatchSize = 16, maxQueueDelayMicroseconds = 300_000, maxQueueSize = 100 })).AssertStatus(HttpStatusCode.OK);
        var texts = Enumerable.Range(0, 40).Select(Text).ToArray();
        var solo = TextModels.Logits(TextModels.Onnx(seed: 4), texts);

        var answers = await Task.WhenAll(texts.Select(async text =>
        {
            var body = $$"""{"inputs":[{"name":"text","datatype":"BYTES","shape":[1],"data":[{{JsonSerializer.Serialize(text)}}]}],"outputs":[{"name":"output"}]}""";
            return (await (await portal.Viewer.Infer($"/v2/models/{model}/infer", body)).JsonOutputs())["output"].GetProperty("data").EnumerateArray().Select(e => e.GetSingle()).ToArray();
        }));

        for (var i = 0; i < texts.Length; i++)
        {
            for (var c = 0; c < 3; c++)
                Assert.True(Math.Abs(solo[i * 3 + c] - answers[i][c]) <= Tolerance, $"caller {i} ('{texts[i]}') class {c}: {answers[i][c]}, alone {solo[i * 3 + c]}");
        }
        var runs = portal.Observer.TokenBatches.Where(b => b.Model == model).ToList();
        Assert.Equal(texts.Length, runs.Sum(b => b.Rows));
        Assert.Contains(runs, b => b.Rows > 1);
        // A group is padded to its own longest row, never beyond it.
        Assert.All(runs, b => Assert.Contains(b.Tokens.Chunk(b.Length), row => row[^1] != 0));
    }

    [Fact]
    public async Task A_text_version_says_it_is_batched_in_groups_padded_to_their_longest()
    {
        var model = await portal.Serve(TextModels.Onnx());

        var batching = JsonDocument.Parse(await portal.Viewer.GetStringAsync($"/v2/models/{model}")).RootElement.GetProperty("parameters").GetProperty("batching").GetString();

        Assert.StartsWith("on: passed the batch independence check", batching);
        Assert.EndsWith("requests are run in groups of similar length, padded with id 0 to the longest in their group, which the model masks", batching);
    }

    [Fact]
    public async Task A_token_model_without_declared_padding_runs_only_rows_of_one_length_together()
    {
        var model = await portal.Serve(ProtocolModels.TokenMean());
        await (await portal.Admin.PutBatching(model, new { maxBatchSize = 16, maxQueueDelayMicroseconds = 300_000, maxQueueSize = 100 })).AssertStatus(HttpStatusCode.OK);
        var rows = Enumerable.Range(0, 24).Select(i => Enumerable.Range(1, 2 + i % 3).Select(j => (long)(i + j)).ToArray()).ToArray();

        var answers = await Task.WhenAll(rows.Select(async row =>
        {
            var body = $$"""{"inputs":[{"name":"ids","datatype":"INT64","shape":[1,{{row.Length}}],"data":{{JsonSerializer.Serialize(row)}}}]}""";
            return (await (await portal.Viewer.Infer($"/v2/models/{model}/infer", body)).JsonOutputs())["mean"].GetProperty("data")[0].GetSingle();
        }));

        for (var i = 0; i < rows.Length; i++) Assert.Equal((float)rows[i].Average(), answers[i]);
        var batching = JsonDocument.Parse(await portal.Viewer.GetStringAsync($"/v2/models/{model}")).RootElement.GetProperty("parameters").GetProperty("batching").GetString();
        Assert.EndsWith("only requests of the same sequence length are run together: the model declares no padding", batching);
        var runs = portal.Observer.TokenBatches.Where(b => b.Model == model).ToList();
        Assert.Equal(rows.Length, runs.Sum(b => b.Rows));
        // Every id is at least 1, so a 0 would be padding the model never asked for.
        Assert.DoesNotContain(runs, b => b.Tokens.Contains(0L));

        // Callers of one length do merge.
        var same = Enumerable.Range(0, 24).Select(i => new long[] { i + 1, i + 2, i + 3 }).ToArray();
        var sameAnswers = await Task.WhenAll(same.Select(async row =>
        {
            var body = $$"""{"inputs":[{"name":"ids","datatype":"INT64","shape":[1,3],"data":{{JsonSerializer.Serialize(row)}}}]}""";
            return (await (await portal.Viewer.Infer($"/v2/models/{model}/infer", body)).JsonOutputs())["mean"].GetProperty("data")[0].GetSingle();
        }));
        for (var i = 0; i < same.Length; i++) Assert.Equal((float)same[i].Average(), sameAnswers[i]);
        Assert.Contains(portal.Observer.TokenBatches.Where(b => b.Model == model).Skip(runs.Count), b => b.Rows > 1);
    }

    [Fact]
    public async Task An_id_outside_the_vocabulary_is_refused_before_it_joins_a_batch()
    {
        var model = await portal.Serve(TextModels.Onnx());
        var vocabulary = TextModels.Tokenizer.VocabularySize;
        var body = $$"""{"inputs":[{"name":"input","datatype":"INT64","shape":[1,3],"data":[2,{{vocabulary}},3]}]}""";

        var message = await (await portal.Viewer.Infer($"/v2/models/{model}/infer", body)).Error(HttpStatusCode.BadRequest);

        Assert.Contains($"input 'input' holds {vocabulary} at sample 0, position 1, which is not a token id", message);
        Assert.DoesNotContain(portal.Observer.TokenBatches, b => b.Model == model);
    }
}
