using Portal.Client.Http;
using Portal.Contracts;
using Portal.Contracts.Alerts;

namespace Portal.Client;

/// <summary>/api/v1/alert-rules: Viewers read them; Approvers create, replace and delete them (a change applies within a second).</summary>
public sealed class AlertRulesClient
{
    private const string Root = "api/v1/alert-rules";

    private readonly PortalHttp _http;

    internal AlertRulesClient(PortalHttp http) => _http = http;

    /// <summary>Oldest first.</summary>
    public Task<Page<AlertRuleView>> List(int offset = 0, int limit = 50, CancellationToken ct = default) => _http.GetPage<AlertRuleView>(Root, offset, limit, ct);

    public IAsyncEnumerable<AlertRuleView> ListAll(CancellationToken ct = default) => _http.GetAll<AlertRuleView>(Root, ct);

    public Task<AlertRuleView> Get(Guid id, CancellationToken ct = default) => _http.Get<AlertRuleView>($"{Root}/{id}", ct);

    /// <exception cref="PortalApiException">The server refused the terms (400; the message starts with the field at fault).</exception>
    public Task<AlertRuleView> Create(AlertRuleDraft draft, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        return _http.Post<AlertRuleView>(Root, draft, ct);
    }

    /// <summary>Replaces every term of the rule (what <paramref name="draft"/> leaves null returns to its default); open alerts of the old terms resolve.</summary>
    public Task<AlertRuleView> Replace(Guid id, AlertRuleDraft draft, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        return _http.Put<AlertRuleView>($"{Root}/{id}", draft, ct);
    }

    /// <summary>Deletes the rule; its alerts stay as history and open ones resolve.</summary>
    public Task Delete(Guid id, CancellationToken ct = default) => _http.Delete($"{Root}/{id}", ct);
}

/// <summary>/api/v1/alerts: what the rules raised, newest first; also live as <c>alert</c> events on <c>deployment:{model}/{alias}</c>.</summary>
public sealed class AlertsClient
{
    private readonly PortalHttp _http;

    internal AlertsClient(PortalHttp http) => _http = http;

    /// <param name="state"><see cref="AlertView.Firing"/> (what null means), <see cref="AlertView.Resolved"/> or <see cref="AlertView.All"/>.</param>
    public Task<Page<AlertView>> List(string? state = null, string? model = null, string? alias = null, int offset = 0, int limit = 50, CancellationToken ct = default) =>
        _http.GetPage<AlertView>(Path(state, model, alias), offset, limit, ct);

    public IAsyncEnumerable<AlertView> ListAll(string? state = null, string? model = null, string? alias = null, CancellationToken ct = default) =>
        _http.GetAll<AlertView>(Path(state, model, alias), ct);

    public Task<AlertView> Get(Guid id, CancellationToken ct = default) => _http.Get<AlertView>($"api/v1/alerts/{id}", ct);

    private static string Path(string? state, string? model, string? alias) =>
        PortalHttp.WithQuery("api/v1/alerts", ("state", state), ("model", model), ("alias", alias));
}
