using Portal.Client.Http;
using Portal.Contracts;
using Portal.Contracts.Evaluations;

namespace Portal.Client;

/// <summary>Evaluation jobs: a version measured again, through its ONNX file, on a dataset of your choosing.</summary>
public sealed class EvaluationsClient
{
    private readonly PortalHttp _http;

    internal EvaluationsClient(PortalHttp http) => _http = http;

    /// <summary>Queues an evaluation of version <paramref name="version"/> of <paramref name="model"/> on <paramref name="datasetId"/> (a Contributor's act).</summary>
    /// <exception cref="PortalApiException">No such model, version or dataset (404), or the dataset does not fit the model (400, naming why).</exception>
    public Task<EvaluationView> Request(string model, int version, Guid datasetId, CancellationToken ct = default) =>
        _http.Post<EvaluationView>(Path(model, version), new EvaluateRequest(datasetId), ct);

    public Task<EvaluationView> Get(Guid id, CancellationToken ct = default) => _http.Get<EvaluationView>($"api/v1/evaluations/{id}", ct);

    /// <summary>The version's evaluations, newest first.</summary>
    public Task<Page<EvaluationView>> List(string model, int version, int offset = 0, int limit = 50, CancellationToken ct = default) =>
        _http.GetPage<EvaluationView>(Path(model, version), offset, limit, ct);

    public IAsyncEnumerable<EvaluationView> ListAll(string model, int version, CancellationToken ct = default) => _http.GetAll<EvaluationView>(Path(model, version), ct);

    private static string Path(string model, int version) => $"api/v1/models/{PortalHttp.Segment(model)}/versions/{version}/evaluations";
}
