using Portal.Client.Http;
using Portal.Contracts;
using Portal.Contracts.Approvals;

namespace Portal.Client;

/// <summary>/api/v1/promotions: requests to move a protected alias, and their decisions.</summary>
public sealed class PromotionsClient
{
    private readonly PortalHttp _http;

    internal PromotionsClient(PortalHttp http) => _http = http;

    /// <param name="state">Pending, Approved, Denied, Cancelled, Expired … (the server's names); null for all.</param>
    public Task<Page<PromotionView>> List(string? state = null, string? model = null, int offset = 0, int limit = 50, CancellationToken ct = default) =>
        _http.GetPage<PromotionView>(Path(state, model), offset, limit, ct);

    public IAsyncEnumerable<PromotionView> ListAll(string? state = null, string? model = null, CancellationToken ct = default) => _http.GetAll<PromotionView>(Path(state, model), ct);

    public Task<PromotionView> Get(Guid id, CancellationToken ct = default) => _http.Get<PromotionView>($"api/v1/promotions/{id}", ct);

    /// <summary>Asks to move <paramref name="alias"/> of <paramref name="model"/> to <paramref name="version"/>; the gates are evaluated now.</summary>
    public Task<PromotionView> Submit(string model, string alias, int version, string? comment = null, CancellationToken ct = default) =>
        _http.Post<PromotionView>("api/v1/promotions", new PromotionDraft(model, alias, version, comment), ct);

    /// <param name="overrideReason">An Admin's reason to approve despite failed gates.</param>
    public Task<PromotionView> Approve(Guid id, string? comment = null, string? overrideReason = null, CancellationToken ct = default) =>
        _http.Post<PromotionView>($"api/v1/promotions/{id}/approve", new ApprovalInput(comment, overrideReason), ct);

    public Task<PromotionView> Deny(Guid id, string? comment = null, CancellationToken ct = default) =>
        _http.Post<PromotionView>($"api/v1/promotions/{id}/deny", new DenialInput(comment), ct);

    public Task<PromotionView> Cancel(Guid id, string? comment = null, CancellationToken ct = default) =>
        _http.Post<PromotionView>($"api/v1/promotions/{id}/cancel", new CancellationInput(comment), ct);

    private static string Path(string? state, string? model) => PortalHttp.WithQuery("api/v1/promotions", ("state", state), ("model", model));
}
