using Portal.Client.Http;
using Portal.Client.Models;

namespace Portal.Client;

/// <summary>/api/v1/models: the registry (models, versions, tags, aliases) and each model's promotion policy and rollback.</summary>
public sealed class ModelsClient
{
    private readonly PortalHttp _http;

    internal ModelsClient(PortalHttp http) => _http = http;

    public Task<Page<Model>> List(int offset = 0, int limit = 50, CancellationToken ct = default) => _http.GetPage<Model>("api/v1/models", offset, limit, ct);

    public IAsyncEnumerable<Model> ListAll(CancellationToken ct = default) => _http.GetAll<Model>("api/v1/models", ct);

    public Task<Model> Get(string name, CancellationToken ct = default) => _http.Get<Model>(M(name), ct);

    public Task<Model> Create(string name, string? description = null, CancellationToken ct = default) =>
        _http.Post<Model>("api/v1/models", new { name, description }, ct);

    public async Task<Page<ModelVersionSummary>> ListVersions(string model, int offset = 0, int limit = 50, CancellationToken ct = default)
    {
        var page = await _http.GetPage<ModelVersionSummary>(M(model) + "/versions", offset, limit, ct);
        return page with { Items = [.. page.Items.Select(v => v with { Model = model })] };
    }

    public async IAsyncEnumerable<ModelVersionSummary> ListAllVersions(string model, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        await foreach (var v in _http.GetAll<ModelVersionSummary>(M(model) + "/versions", ct)) yield return v with { Model = model };
    }

    public Task<ModelVersion> GetVersion(string model, int number, CancellationToken ct = default) => _http.Get<ModelVersion>($"{M(model)}/versions/{number}", ct);

    /// <summary>Registers the trained weights of <paramref name="runId"/> as the model's next version (ONNX export and evidence are made by the server).</summary>
    public Task<ModelVersion> RegisterVersion(string model, Guid runId, Guid? evaluationDatasetId = null, CancellationToken ct = default) =>
        _http.Post<ModelVersion>(M(model) + "/versions", new { runId, evaluationDatasetId }, ct);

    /// <summary>
    /// Registers an ONNX file made elsewhere as the model's next version, streamed; the server reads its tensors and
    /// class labels, times it and, given <paramref name="evaluationDatasetId"/>, measures its accuracy on that dataset.
    /// </summary>
    /// <exception cref="PortalApiException">The file is not a usable ONNX model or does not fit the dataset (400, naming why), or it is too large (413).</exception>
    public async Task<ModelVersion> ImportVersion(string model, Stream onnx, string fileName = "model.onnx", Guid? evaluationDatasetId = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        var file = new StreamContent(onnx);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        using var form = new MultipartFormDataContent { { file, "file", fileName } };
        if (evaluationDatasetId is { } id) form.Add(new StringContent(id.ToString()), "evaluationDatasetId");
        return await _http.PostContent<ModelVersion>(M(model) + "/versions/import", form, ct);
    }

    /// <summary>An artifact's bytes: <c>onnx</c>, <c>safetensors</c>, … (see <see cref="ModelVersion.Artifacts"/>).</summary>
    public Task<byte[]> DownloadArtifact(string model, int number, string kind, CancellationToken ct = default) =>
        _http.GetBytes($"{M(model)}/versions/{number}/artifacts/{PortalHttp.Segment(kind)}", ct);

    public Task<Tag> SetTag(string model, int number, string key, string value, CancellationToken ct = default) =>
        _http.Put<Tag>($"{M(model)}/versions/{number}/tags/{PortalHttp.Segment(key)}", new { value }, ct);

    public Task RemoveTag(string model, int number, string key, CancellationToken ct = default) =>
        _http.Delete($"{M(model)}/versions/{number}/tags/{PortalHttp.Segment(key)}", ct);

    public Task<IReadOnlyList<Alias>> Aliases(string model, CancellationToken ct = default) => _http.Get<IReadOnlyList<Alias>>(M(model) + "/aliases", ct);

    /// <summary>Moves an unprotected alias directly; a protected one (production) needs a promotion request.</summary>
    public Task<Alias> MoveAlias(string model, string alias, int version, CancellationToken ct = default) =>
        _http.Put<Alias>($"{M(model)}/aliases/{PortalHttp.Segment(alias)}", new { version }, ct);

    /// <summary>Who held the alias when, newest first.</summary>
    public Task<Page<AliasStretch>> AliasHistory(string model, string alias, int offset = 0, int limit = 50, CancellationToken ct = default) =>
        _http.GetPage<AliasStretch>($"{M(model)}/aliases/{PortalHttp.Segment(alias)}/history", offset, limit, ct);

    public Task<PromotionPolicy> GetPolicy(string model, CancellationToken ct = default) => _http.Get<PromotionPolicy>(M(model) + "/policy", ct);

    public Task<PromotionPolicy> SetPolicy(string model, PolicySettings settings, CancellationToken ct = default) => _http.Put<PromotionPolicy>(M(model) + "/policy", settings, ct);

    /// <summary>Puts the alias back on the version that held it before (an Approver's act, audited).</summary>
    public Task<Rollback> Rollback(string model, string alias, string? comment = null, CancellationToken ct = default) =>
        _http.Post<Rollback>($"{M(model)}/aliases/{PortalHttp.Segment(alias)}/rollback", new { comment }, ct);

    private static string M(string name) => "api/v1/models/" + PortalHttp.Segment(name);
}
