using System.Globalization;
using Portal.Server.Auth;
using Portal.Server.Tests.Serving;
using Xunit.Abstractions;

namespace Portal.PowerShell.Tests;

/// <summary>Invoke-PortalInference -Text in a real pwsh: one object per text with its class, index, probability and top classes.</summary>
public sealed class TextInferenceInPwshTests(ModulePortal portal, ITestOutputHelper log) : IClassFixture<ModulePortal>
{
    [Fact]
    public async Task Texts_give_one_object_each_with_class_index_probability_and_the_top_classes_asked_for()
    {
        string[] texts = ["the bank raised the loan rate", "cold rain and snow"];
        var model = await ServedFiles.Serve(portal, [TextModels.Onnx(seed: 7)], []);
        var floats = await ServedFiles.Serve(portal, [ProtocolModels.FloatWithLabel()], []);
        var viewer = await portal.CreateUser(PortalRoles.Viewer);
        var probabilities = TextModels.Softmax(TextModels.Logits(TextModels.Onnx(seed: 7), texts), TextModels.Classes.Length);

        var run = await RealPwsh.RunScript($$"""
            Import-Module Portal -ErrorAction Stop
            Connect-Portal -Uri $env:PORTAL_URL -ApiKey $env:PORTAL_API_KEY -ErrorAction Stop
            $one = Invoke-PortalInference -Model {{model}} -Text '{{texts[0]}}', '{{texts[1]}}' -ErrorAction Stop
            foreach ($p in $one) { "one: $($p.Text)|$($p.Class)|$($p.ClassIndex)|$($p.Probability.ToString('R', [cultureinfo]::InvariantCulture))|$(@($p.Top).Count)" }
            $top = Invoke-PortalInference -Model {{model}} -Text '{{texts[0]}}' -Top 3 -ErrorAction Stop
            "top: $(($top.Top | ForEach-Object { "$($_.Name)=$($_.Index)" }) -join ',')"
            Invoke-PortalInference -Model {{floats}} -Text 'hello' -ErrorAction SilentlyContinue -ErrorVariable refused | Out-Null
            "refused: $($refused[0].Exception.Message)"
            """, new Dictionary<string, string> { ["PORTAL_URL"] = portal.Address.ToString(), ["PORTAL_API_KEY"] = viewer.ApiKey });
        log.WriteLine(run.ToString());

        Assert.True(run.ExitCode == 0 && run.Errors.Trim().Length == 0, run.ToString());
        var said = Said(run, "one");
        Assert.Equal(texts.Length, said.Count);
        for (var t = 0; t < texts.Length; t++)
        {
            var best = Array.IndexOf(probabilities[t], probabilities[t].Max());
            var fields = said[t].Split('|');
            Assert.Equal([texts[t], TextModels.Classes[best], best.ToString(CultureInfo.InvariantCulture), "1"], [fields[0], fields[1], fields[2], fields[4]]);
            Assert.Equal(probabilities[t][best], double.Parse(fields[3], CultureInfo.InvariantCulture), 1e-5);
        }
        var order = probabilities[0].Select((p, i) => (p, i)).OrderByDescending(x => x.p).Select(x => $"{TextModels.Classes[x.i]}={x.i}");
        Assert.Equal(string.Join(',', order), Assert.Single(Said(run, "top")));
        Assert.Contains("takes no text", Assert.Single(Said(run, "refused")));
    }

    private static List<string> Said(PwshRun run, string label) =>
        [.. run.Lines.Where(l => l.StartsWith(label + ": ", StringComparison.Ordinal)).Select(l => l[(label.Length + 2)..].Trim())];
}
