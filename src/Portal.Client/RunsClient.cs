using System.Text.Json;
using Portal.Client.Http;
using Portal.Contracts;
using Portal.Contracts.Jobs;
using Portal.Contracts.Training;

namespace Portal.Client;

/// <summary>/api/v1/runs; a run is stopped or resumed through its job.</summary>
public sealed class RunsClient
{
    private readonly PortalHttp _http;
    private readonly JobsClient _jobs;

    internal RunsClient(PortalHttp http, JobsClient jobs)
    {
        _http = http;
        _jobs = jobs;
    }

    /// <summary>Starts a training run: it is queued as a job and trains in the server.</summary>
    public Task<RunView> Create(CreateRunRequest request, CancellationToken ct = default) => _http.Post<RunView>("api/v1/runs", request, ct);

    /// <summary>Starts a training run from a spec and options given as JSON text (or objects serialised to JSON).</summary>
    public Task<RunView> Create(Guid datasetId, string specJson, string? optionsJson = null, string? name = null, Guid? validationDatasetId = null, CancellationToken ct = default) =>
        Create(new CreateRunRequest(name, datasetId, validationDatasetId, Parse(specJson, "spec"), optionsJson is null ? null : Parse(optionsJson, "options")), ct);

    /// <summary>
    /// Starts a training run whose spec is a ready spec's name (<c>fashion-mlp</c>), JSON text (an object) or plain
    /// objects (dictionaries, lists, numbers, strings), with options as a dictionary (<c>epochs</c>, <c>batchSize</c>, …);
    /// used by callers that do not share this client's JSON library. With <paramref name="fromVersion"/> the run
    /// fine-tunes that registered version.
    /// </summary>
    public Task<RunView> Create(
        Guid datasetId, object spec, IReadOnlyDictionary<string, object?>? options, string? name = null, Guid? validationDatasetId = null,
        FineTuneRequest? fromVersion = null, CancellationToken ct = default) =>
        Create(new CreateRunRequest(name, datasetId, validationDatasetId,
            spec is string text && text.TrimStart().StartsWith('{') ? Parse(text, "spec") : JsonSerializer.SerializeToElement(spec, PortalHttp.Json),
            options is null ? null : JsonSerializer.SerializeToElement(options, PortalHttp.Json), fromVersion), ct);

    public Task<Page<RunView>> List(int offset = 0, int limit = 50, CancellationToken ct = default) => _http.GetPage<RunView>("api/v1/runs", offset, limit, ct);

    public IAsyncEnumerable<RunView> ListAll(CancellationToken ct = default) => _http.GetAll<RunView>("api/v1/runs", ct);

    public Task<RunView> Get(Guid id, CancellationToken ct = default) => _http.Get<RunView>($"api/v1/runs/{id}", ct);

    /// <summary>The stored curve: one entry per finished epoch.</summary>
    public Task<IReadOnlyList<RunEpochView>> Metrics(Guid id, CancellationToken ct = default) => _http.Get<IReadOnlyList<RunEpochView>>($"api/v1/runs/{id}/metrics", ct);

    /// <summary>The stored step curve: every optimiser step of the finished epochs, in order.</summary>
    public Task<IReadOnlyList<RunStepPoint>> Steps(Guid id, CancellationToken ct = default) => _http.Get<IReadOnlyList<RunStepPoint>>($"api/v1/runs/{id}/steps", ct);

    /// <summary>The trained weights (safetensors).</summary>
    public Task<byte[]> Weights(Guid id, CancellationToken ct = default) => _http.GetBytes($"api/v1/runs/{id}/artifacts/weights", ct);

    /// <summary>
    /// Queues an export of the run's trained weights to ONNX (a Contributor's act); the returned job reports on
    /// <c>run:{id}</c> and <c>job:{jobId}</c>, and once it succeeded <see cref="Onnx"/> reads the file.
    /// </summary>
    /// <exception cref="PortalApiException">No such run (404), or it has no weights yet or an export of it is still running (409).</exception>
    public Task<JobView> Export(Guid id, CancellationToken ct = default) => _http.Post<JobView>($"api/v1/runs/{id}/exports", null, ct);

    /// <summary>The run's exported ONNX file.</summary>
    /// <exception cref="PortalApiException">No such run, or it was not exported (404).</exception>
    public Task<byte[]> Onnx(Guid id, CancellationToken ct = default) => _http.GetBytes($"api/v1/runs/{id}/artifacts/onnx", ct);

    /// <summary>Cancels the run's job; a running run stops after its current step.</summary>
    public async Task<JobView> Cancel(Guid id, CancellationToken ct = default) => await _jobs.Cancel((await Get(id, ct)).JobId, ct);

    public async Task<JobView> Resume(Guid id, CancellationToken ct = default) => await _jobs.Resume((await Get(id, ct)).JobId, ct);

    private static JsonElement Parse(string json, string what)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"The {what} is not valid JSON: {e.Message}", what, e);
        }
    }
}

/// <summary>/api/v1/jobs.</summary>
public sealed class JobsClient
{
    private readonly PortalHttp _http;

    internal JobsClient(PortalHttp http) => _http = http;

    public Task<Page<JobView>> List(JobState? state = null, string? kind = null, int offset = 0, int limit = 50, CancellationToken ct = default) =>
        _http.GetPage<JobView>(Path(state, kind), offset, limit, ct);

    public IAsyncEnumerable<JobView> ListAll(JobState? state = null, string? kind = null, CancellationToken ct = default) => _http.GetAll<JobView>(Path(state, kind), ct);

    public Task<JobView> Get(Guid id, CancellationToken ct = default) => _http.Get<JobView>($"api/v1/jobs/{id}", ct);

    public Task<JobView> Cancel(Guid id, CancellationToken ct = default) => _http.Post<JobView>($"api/v1/jobs/{id}/cancel", null, ct);

    public Task<JobView> Resume(Guid id, CancellationToken ct = default) => _http.Post<JobView>($"api/v1/jobs/{id}/resume", null, ct);

    private static string Path(JobState? state, string? kind) => PortalHttp.WithQuery("api/v1/jobs", ("state", state?.ToString()), ("kind", kind));
}
