using Portal.Client.Http;
using Portal.Client.Models;
using Portal.Contracts;
using Portal.Contracts.Approvals;
using Portal.Contracts.Jobs;
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
    /// Imports an ONNX file made elsewhere as the model's next version and waits for the import job: the server stores
    /// the file, measures what it can (accuracy on <paramref name="evaluationDatasetId"/> when given; latency,
    /// throughput and size) and records what it cannot as not measured.
    /// </summary>
    /// <exception cref="PortalApiException">The file is not a usable ONNX model, does not fit the dataset (400, naming why), is already a version (409), or is too large (413).</exception>
    /// <exception cref="PortalJobException">The import job failed or was cancelled.</exception>
    public Task<VersionView> ImportVersion(string model, Stream onnx, string fileName = "model.onnx", Guid? evaluationDatasetId = null, CancellationToken ct = default) =>
        ImportVersion(model, onnx, fileName, new ModelImportOptions { EvaluationDatasetId = evaluationDatasetId }, ct);

    /// <inheritdoc cref="ImportVersion(string, Stream, string, Guid?, CancellationToken)"/>
    public async Task<VersionView> ImportVersion(string model, Stream onnx, string fileName, ModelImportOptions options, CancellationToken ct = default)
    {
        var started = await StartImport(model, onnx, fileName, options, ct);
        var finished = await WaitForImport(model, started.Id, ct);
        return await GetVersion(model, finished.Version!.Value, ct);
    }

    /// <summary>Stores the file and queues its import job, without waiting: the answer names the job to follow (<see cref="WaitForImport"/>).</summary>
    /// <exception cref="PortalApiException">As <see cref="ImportVersion(string, Stream, string, Guid?, CancellationToken)"/>.</exception>
    public async Task<ImportView> StartImport(string model, Stream onnx, string fileName = "model.onnx", ModelImportOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        var file = new StreamContent(onnx);
        file.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
        using var form = new MultipartFormDataContent { { file, "file", fileName } };
        if (options?.EvaluationDatasetId is { } id) form.Add(new StringContent(id.ToString()), "evaluationDatasetId");
        foreach (var name in options?.ClassNames ?? []) form.Add(new StringContent(name), "classNames");
        if (options?.Dims is { Count: > 0 } dims) form.Add(new StringContent(System.Text.Json.JsonSerializer.Serialize(dims)), "dims");
        if (options?.Example is { Length: > 0 } example) form.Add(new StringContent(example), "example");
        if (options?.IntegerBound is { } bound) form.Add(new StringContent(bound.ToString(System.Globalization.CultureInfo.InvariantCulture)), "integerBound");
        return await _http.PostContent<ImportView>(M(model) + "/versions/import", form, ct);
    }

    public Task<ImportView> GetImport(string model, Guid id, CancellationToken ct = default) => _http.Get<ImportView>($"{M(model)}/imports/{id}", ct);

    /// <summary>Polls the import until its job has finished; the import with its version when it succeeded.</summary>
    /// <exception cref="PortalJobException">The job failed, was cancelled or interrupted.</exception>
    public async Task<ImportView> WaitForImport(string model, Guid id, CancellationToken ct = default)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            var import = await GetImport(model, id, ct);
            if (import.State == JobState.Succeeded && import.Version is not null) return import;
            if (import.State.IsFinished() && import.State != JobState.Succeeded)
                throw new PortalJobException($"Importing '{import.FileName}' into model '{model}' ended {import.State}: {import.Error}", import.JobId, import.State);
            await Task.Delay(delay, ct);
            delay = TimeSpan.FromMilliseconds(Math.Min(1000, delay.TotalMilliseconds * 2));
        }
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
