using Portal.Client.Http;
using Portal.Client.Live;

namespace Portal.Client;

/// <summary>
/// A typed client of a Portal server: the REST API (/api/v1), the Open Inference Protocol (/v2) and the live hub
/// (/hubs/live), authenticated with an API key. Calls throw <see cref="PortalApiException"/> with the server's
/// message when refused; every call takes a cancellation token; reads are retried after transient failures, changes never.
/// </summary>
public sealed class PortalClient : IAsyncDisposable, IDisposable
{
    public const string ApiKeyHeader = "X-Api-Key";

    private readonly PortalHttp _http;

    public PortalClient(Uri baseAddress, string apiKey)
        : this(new PortalClientOptions { BaseAddress = baseAddress, ApiKey = apiKey })
    {
    }

    public PortalClient(PortalClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.BaseAddress is { } address && !address.AbsoluteUri.EndsWith('/')) options.BaseAddress = new Uri(address.AbsoluteUri + "/");
        Options = options;
        _http = new PortalHttp(options);
        Jobs = new JobsClient(_http);
        Datasets = new DatasetsClient(_http);
        Runs = new RunsClient(_http, Jobs);
        Models = new ModelsClient(_http);
        Promotions = new PromotionsClient(_http);
        Compressions = new CompressionsClient(_http);
        Evaluations = new EvaluationsClient(_http);
        Audit = new AuditClient(_http);
        ApiKeys = new ApiKeysClient(_http);
        Users = new UsersClient(_http);
        Deployments = new DeploymentsClient(_http);
        Inference = new InferenceClient(_http);
        AlertRules = new AlertRulesClient(_http);
        Alerts = new AlertsClient(_http);
        Live = new LiveClient(options);
    }

    public PortalClientOptions Options { get; }

    public Uri BaseAddress => Options.BaseAddress!;

    public DatasetsClient Datasets { get; }

    public RunsClient Runs { get; }

    public JobsClient Jobs { get; }

    public ModelsClient Models { get; }

    public PromotionsClient Promotions { get; }

    public CompressionsClient Compressions { get; }

    public EvaluationsClient Evaluations { get; }

    public AuditClient Audit { get; }

    public ApiKeysClient ApiKeys { get; }

    public UsersClient Users { get; }

    public DeploymentsClient Deployments { get; }

    public InferenceClient Inference { get; }

    public AlertRulesClient AlertRules { get; }

    public AlertsClient Alerts { get; }

    public LiveClient Live { get; }

    public async ValueTask DisposeAsync()
    {
        await Live.DisposeAsync();
        _http.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
