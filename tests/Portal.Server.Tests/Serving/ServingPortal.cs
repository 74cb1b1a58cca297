using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Portal.Engine.Models;
using Portal.Engine.Onnx;
using Portal.Engine.Weights;
using Portal.Server.Serving;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Serving;

[CollectionDefinition(Name)]
public sealed class ServingCollection : ICollectionFixture<ServingPortal>
{
    public const string Name = "serving";
}

/// <summary>
/// A portal that serves tiny hand-made models: input [batch, 1, 2, 2] (flattened to 4 values), a linear layer to
/// 3 outputs whose weights depend on the version number, so every answer can be computed by the test and tells
/// which version gave it. Each test makes its own model; a recording <see cref="IServingObserver"/> sees every run.
/// </summary>
public sealed class ServingPortal : PortalFactory, IAsyncLifetime
{
    public const int InputValues = 4;
    public const int OutputValues = 3;
    public const long MaxRequestBytes = 64 * 1024;

    public ServingPortal()
    {
        Settings["Portal:Serving:MaxRequestBytes"] = MaxRequestBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Settings["Portal:Serving:WarmUpRuns"] = "2";
        Settings["Portal:Serving:IntraOpThreads"] = "1";
    }

    public RecordingObserver Observer { get; } = new();
    public HttpClient Viewer { get; private set; } = null!;
    public HttpClient Contributor { get; private set; } = null!;
    public HttpClient Approver { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;

    public DeploymentSet Deployments => Services.GetRequiredService<DeploymentSet>();

    public async Task InitializeAsync()
    {
        Viewer = await CreateClientAs("Viewer");
        Contributor = await CreateClientAs("Contributor");
        Approver = await CreateClientAs("Approver");
        Admin = await CreateClientAs("Admin");
    }

    Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<IServingObserver>(Observer));
    }

    /// <summary>The weights of version <paramref name="version"/>: W[i, j] = version·(i + 1) + j / 4, b[i] = i − version.</summary>
    public static (float[] Weight, float[] Bias) Weights(int version)
    {
        var weight = new float[OutputValues * InputValues];
        for (var i = 0; i < OutputValues; i++)
        {
            for (var j = 0; j < InputValues; j++) weight[i * InputValues + j] = version * (i + 1) + j / 4f;
        }
        var bias = new float[OutputValues];
        for (var i = 0; i < OutputValues; i++) bias[i] = i - version;
        return (weight, bias);
    }

    /// <summary>What version <paramref name="version"/> answers for one row.</summary>
    public static float[] Expected(int version, ReadOnlySpan<float> row)
    {
        var (weight, bias) = Weights(version);
        var output = new float[OutputValues];
        for (var i = 0; i < OutputValues; i++)
        {
            var sum = bias[i];
            for (var j = 0; j < InputValues; j++) sum += weight[i * InputValues + j] * row[j];
            output[i] = sum;
        }
        return output;
    }

    public static byte[] Onnx(int version)
    {
        var (weight, bias) = Weights(version);
        var spec = new ModelSpec($"served-v{version}", [1, 2, 2], [new FlattenLayer(), new LinearLayer(OutputValues)]);
        return OnnxExporter.Export(spec, new ModelWeights([new NamedTensor("1.weight", [OutputValues, InputValues], weight), new NamedTensor("1.bias", [OutputValues], bias)]));
    }

    /// <summary>A new model with versions 1..<paramref name="versions"/> (real ONNX files in the store) and the given aliases, served once this returns.</summary>
    public Task<string> CreateModel(int versions = 2, params (string Alias, int Version)[] aliases) => CreateModelIn(this, versions, aliases);

    /// <summary><see cref="CreateModel"/> in any portal (a restart test's own).</summary>
    public static Task<string> CreateModelIn(PortalFactory portal, int versions = 2, params (string Alias, int Version)[] aliases) =>
        ServedFiles.Serve(portal, [.. Enumerable.Range(1, versions).Select(Onnx)], aliases);

    /// <summary>A new model whose version 1 is an ONNX file no code of ours wrote (see <see cref="ProtocolModels"/>), served as <c>production</c>.</summary>
    public Task<string> Serve(byte[] onnx) => ServedFiles.Serve(this, [onnx], []);

    /// <summary>Moves <paramref name="alias"/> to <paramref name="version"/> through the registry's alias mover, as every move goes.</summary>
    public Task Hold(string model, string alias, int version) => ServedFiles.Hold(this, model, alias, version);

    /// <summary>Waits until the deployment serves <paramref name="version"/> (loads happen in the background after a move).</summary>
    public Task WaitServed(string model, string alias, int version) => ServedFiles.WaitServed(this, model, alias, version);
}

/// <summary>Every ServedBatch the portal reports, copied (the batch's memory is reused after the call).</summary>
public sealed class RecordingObserver : IServingObserver
{
    public ConcurrentQueue<(string Model, string Alias, Guid VersionId, int Rows, float[] Inputs, float[] Outputs)> Batches { get; } = new();

    /// <summary>Every run of a token model: its rows and the length they were run at (padded, when merged with longer rows).</summary>
    public ConcurrentQueue<(string Model, int Rows, int Length, long[] Tokens)> TokenBatches { get; } = new();

    public void Observe(ServedBatch batch)
    {
        Batches.Enqueue((batch.Model, batch.Alias, batch.VersionId, batch.Rows, batch.Inputs.ToArray(), batch.Outputs.ToArray()));
        if (!batch.Tokens.IsEmpty) TokenBatches.Enqueue((batch.Model, batch.Rows, batch.InputWidth, batch.Tokens.ToArray()));
    }
}
