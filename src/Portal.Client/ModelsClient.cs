using Portal.Client.Http;
using Portal.Contracts;
using Portal.Contracts.Approvals;
using Portal.Contracts.Registry;

namespace Portal.Client;

/// <summary>/api/v1/models: the registry (models, versions, tags, aliases) and each model's promotion policy and rollback.</summary>
public sealed class ModelsClient
{
    private readonly PortalHttp _http;

    internal ModelsClient(PortalHttp http) => _http = http;

    public Task<Page<ModelView>> List(int offset = 0, int limit = 50, CancellationToken ct = default) => _http.GetPage<ModelView>("api/v1/models", offset, limit, ct);

    public IAsyncEnumerable<ModelView> ListAll(CancellationToken ct = default) => _http.GetAll<ModelView>("api/v1/models", ct);

    public Task<ModelView> Get(string name, CancellationToken ct = default) => _http.Get<ModelView>(M(name), ct);

    public Task<ModelView> Create(string name, string? description = null, CancellationToken ct = default) =>
        _http.Post<ModelView>("api/v1/models", new CreateModelRequest(name, description), ct);

    public async Task<Page<VersionSummary>> ListVersions(string model, int offset = 0, int limit = 50, CancellationToken ct = default)
    {
        var page = await _http.GetPage<VersionSummary>(M(model) + "/versions", offset, limit, ct);
        return page with { Items = [.. page.Items.Select(v => v with { Model = model })] };
    }

    public async IAsyncEnumerable<VersionSummary> ListAllVersions(string model, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var v in _http.GetAll<VersionSummary>(M(model) + "/versions", ct)) yield return v with { Model = model };
    }

    public Task<VersionView> GetVersion(string model, int number, CancellationToken ct = default) => _http.Get<VersionView>($"{M(model)}/versions/{number}", ct);

    /// <summary>Registers the trained weights of <paramref name="runId"/> as the model's next version (ONNX export and evidence are made by the server).</summary>
    public Task<VersionView> RegisterVersion(string model, Guid runId, Guid? evaluationDatasetId = null, CancellationToken ct = default) =>
        _http.Post<VersionView>(M(model) + "/versions", new RegisterVersionRequest(runId, evaluationDatasetId), ct);

    /// <summary>
    /// Registers an ONNX file made elsewhere as the model's next version, streamed; the server reads its tensors and
    /// class labels, times it and, given <paramref name="evaluationDatasetId"/>, measures its accuracy on that dataset.
    /// </summary>
    /// <exception cref="PortalApiException">The file is not a usable ONNX model or does not fit the dataset (400, naming why), or it is too large (413).</exception>
    public async Task<VersionView> ImportVersion(string model, Stream onnx, string fileName = "model.onnx", Guid? evaluationDatasetId = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        var file = new StreamContent(onnx);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        using var form = new MultipartFormDataContent { { file, "file", fileName } };
        if (evaluationDatasetId is { } id) form.Add(new StringContent(id.ToString()), "evaluationDatasetId");
        return await _http.PostContent<VersionView>(M(model) + "/versions/import", form, ct);
    }

    /// <summary>An artifact's bytes: <c>onnx</c>, <c>safetensors</c>, … (see <see cref="VersionView.Artifacts"/>).</summary>
    public Task<byte[]> DownloadArtifact(string model, int number, string kind, CancellationToken ct = default) =>
        _http.GetBytes($"{M(model)}/versions/{number}/artifacts/{PortalHttp.Segment(kind)}", ct);

    public Task<TagView> SetTag(string model, int number, string key, string value, CancellationToken ct = default) =>
        _http.Put<TagView>($"{M(model)}/versions/{number}/tags/{PortalHttp.Segment(key)}", new SetTagRequest(value), ct);

    public Task RemoveTag(string model, int number, string key, CancellationToken ct = default) =>
        _http.Delete($"{M(model)}/versions/{number}/tags/{PortalHttp.Segment(key)}", ct);

    public Task<IReadOnlyList<AliasView>> Aliases(string model, CancellationToken ct = default) => _http.Get<IReadOnlyList<AliasView>>(M(model) + "/aliases", ct);

    /// <summary>Moves an unprotected alias directly; a protected one (production) needs a promotion request.</summary>
    public Task<AliasView> MoveAlias(string model, string alias, int version, CancellationToken ct = default) =>
        _http.Put<AliasView>($"{M(model)}/aliases/{PortalHttp.Segment(alias)}", new MoveAliasRequest(version), ct);

    /// <summary>Who held the alias when, newest first.</summary>
    public Task<Page<AliasStretchView>> AliasHistory(string model, string alias, int offset = 0, int limit = 50, CancellationToken ct = default) =>
        _http.GetPage<AliasStretchView>($"{M(model)}/aliases/{PortalHttp.Segment(alias)}/history", offset, limit, ct);

    public Task<PolicyView> GetPolicy(string model, CancellationToken ct = default) => _http.Get<PolicyView>(M(model) + "/policy", ct);

    public Task<PolicyView> SetPolicy(string model, PolicySettings settings, CancellationToken ct = default) => _http.Put<PolicyView>(M(model) + "/policy", settings, ct);

    /// <summary>Puts the alias back on the version that held it before (an Approver's act, audited).</summary>
    public Task<RollbackView> Rollback(string model, string alias, string? comment = null, CancellationToken ct = default) =>
        _http.Post<RollbackView>($"{M(model)}/aliases/{PortalHttp.Segment(alias)}/rollback", new RollbackInput(comment), ct);

    private static string M(string name) => "api/v1/models/" + PortalHttp.Segment(name);
}
