using Microsoft.Extensions.Options;
using Portal.Engine.Inference;
using Portal.Server.Hosting;

namespace Portal.Server.Serving;

/// <summary>
/// Where this server's ONNX Runtime sessions run (<c>cuda</c> or <c>cpu</c>) and why. The engine decides once per
/// process; this asks at start-up (and logs the answer), then shows it in <c>GET /v2</c> and on the deployments page.
/// Served versions, their evidence and evaluations all load sessions that prefer CUDA, so all run where this says.
/// </summary>
public sealed class ServingDevice(IOptions<ServingOptions> options)
{
    private readonly Lazy<ExecutionProviderInfo> _provider = new(() => InferenceModel.DescribeExecutionProvider(options.Value.Sessions));

    public ExecutionProviderInfo Provider => _provider.Value;

    /// <summary>Decides and logs before any session loads: ahead of job recovery and of the deployments' start.</summary>
    internal sealed class Startup(ServingDevice device, ILogger<ServingDevice> logger) : IStartupTask
    {
        public int Order => 1;

        public Task Run(IServiceProvider services, CancellationToken ct)
        {
            var provider = device.Provider;
            logger.LogInformation("ONNX Runtime sessions run on {Device}: {Reason}", provider.Device, provider.Reason);
            return Task.CompletedTask;
        }
    }
}
