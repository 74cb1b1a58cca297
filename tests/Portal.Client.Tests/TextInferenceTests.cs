using Portal.Server.Auth;
using Portal.Server.Tests.Serving;

namespace Portal.Client.Tests;

/// <summary>Texts through the client's InferText: the server tokenizes, the client reads back each text's classes.</summary>
public sealed class TextInferenceTests(LivePortal portal) : IClassFixture<LivePortal>
{
    private static readonly string[] s_texts = ["the bank raised the loan rate", "a late goal won the match", "cold rain and snow"];

    [Fact]
    public async Task Each_text_comes_back_with_its_class_index_and_probability_and_its_top_classes()
    {
        var model = await ServedFiles.Serve(portal, [TextModels.Onnx(seed: 6)], []);
        await using var viewer = await portal.ClientAs(PortalRoles.Viewer);
        var probabilities = TextModels.Softmax(TextModels.Logits(TextModels.Onnx(seed: 6), s_texts), TextModels.Classes.Length);

        var one = await viewer.Inference.InferText(model, s_texts);
        var three = await viewer.Inference.InferText(model, s_texts, top: 3);

        for (var t = 0; t < s_texts.Length; t++)
        {
            var best = Array.IndexOf(probabilities[t], probabilities[t].Max());
            Assert.Equal((s_texts[t], TextModels.Classes[best], best), (one[t].Text, one[t].Class, one[t].ClassIndex));
            Assert.Equal(probabilities[t][best], one[t].Probability, 1e-5);
            Assert.Single(one[t].Top);
            Assert.Equal(probabilities[t].Select((p, i) => (p, i)).OrderByDescending(x => x.p).Select(x => x.i), three[t].Top.Select(c => c.Index));
            Assert.Equal(three[t].Top.Select(c => TextModels.Classes[c.Index]), three[t].Top.Select(c => c.Name));
            Assert.Equal(1, three[t].Top.Sum(c => c.Probability), 1e-5);
        }
    }

    [Fact]
    public async Task A_version_without_a_tokenizer_is_refused_before_anything_is_sent()
    {
        var model = await ServedFiles.Serve(portal, [TextModels.Onnx(tokenizer: false)], []);
        await using var viewer = await portal.ClientAs(PortalRoles.Viewer);

        var e = await Assert.ThrowsAsync<ArgumentException>(() => viewer.Inference.InferText(model, s_texts));

        Assert.Contains("takes no text", e.Message);
        Assert.Contains("'input'", e.Message);
    }
}
