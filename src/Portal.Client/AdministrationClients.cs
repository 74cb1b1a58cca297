using System.Globalization;
using System.Text.Json;
using Portal.Client.Http;
using Portal.Client.Models;
using Portal.Contracts;
using Portal.Contracts.Audit;
using Portal.Contracts.Auth;

namespace Portal.Client;

/// <summary>/api/v1/audit: the tamper-evident log.</summary>
public sealed class AuditClient
{
    private readonly PortalHttp _http;

    internal AuditClient(PortalHttp http) => _http = http;

    /// <summary>Newest first.</summary>
    public Task<Page<AuditEventView>> List(AuditFilter? query = null, int offset = 0, int limit = 50, CancellationToken ct = default) =>
        _http.GetPage<AuditEventView>(Path(query), offset, limit, ct);

    public IAsyncEnumerable<AuditEventView> ListAll(AuditFilter? query = null, CancellationToken ct = default) => _http.GetAll<AuditEventView>(Path(query), ct);

    /// <summary>The chain verification report, as JSON (its fields: whether the chain holds, how many events, where it breaks).</summary>
    public Task<JsonElement> Verify(CancellationToken ct = default) => _http.Get<JsonElement>("api/v1/audit/verify", ct);

    /// <summary>The chain's checkpoints, newest first: keep them elsewhere, so a later truncation or rewrite of the log shows.</summary>
    public Task<Page<AuditCheckpoint>> Checkpoints(int offset = 0, int limit = 50, CancellationToken ct = default) =>
        _http.GetPage<AuditCheckpoint>("api/v1/audit/checkpoints", offset, limit, ct);

    private static string Path(AuditFilter? q) => PortalHttp.WithQuery("api/v1/audit",
        ("actor", q?.Actor), ("action", q?.Action), ("subjectType", q?.SubjectType), ("subjectId", q?.SubjectId),
        ("from", q?.From?.ToString("O", CultureInfo.InvariantCulture)), ("to", q?.To?.ToString("O", CultureInfo.InvariantCulture)));
}

/// <summary>/api/v1/api-keys: your keys (an Admin's: anyone's).</summary>
public sealed class ApiKeysClient
{
    private readonly PortalHttp _http;

    internal ApiKeysClient(PortalHttp http) => _http = http;

    /// <param name="all">An Admin's view of every user's keys.</param>
    public Task<Page<KeyView>> List(bool all = false, int offset = 0, int limit = 50, CancellationToken ct = default) =>
        _http.GetPage<KeyView>(Path(all), offset, limit, ct);

    public IAsyncEnumerable<KeyView> ListAll(bool all = false, CancellationToken ct = default) => _http.GetAll<KeyView>(Path(all), ct);

    /// <param name="userId">Another user's id (Admin only); null for your own key.</param>
    public Task<CreatedKeyView> Create(string name, int? expiresInDays = null, string? userId = null, CancellationToken ct = default) =>
        _http.Post<CreatedKeyView>("api/v1/api-keys", new CreateKeyRequest(name, expiresInDays, userId), ct);

    public Task Revoke(Guid id, CancellationToken ct = default) => _http.Delete($"api/v1/api-keys/{id}", ct);

    private static string Path(bool all) => all ? "api/v1/api-keys?all=true" : "api/v1/api-keys";
}

/// <summary>/api/v1/users (Admin) and /api/v1/auth/me.</summary>
public sealed class UsersClient
{
    private readonly PortalHttp _http;

    internal UsersClient(PortalHttp http) => _http = http;

    /// <summary>Who the key belongs to, with their roles.</summary>
    public Task<Me> Me(CancellationToken ct = default) => _http.Get<Me>("api/v1/auth/me", ct);

    public Task<Page<UserView>> List(int offset = 0, int limit = 50, CancellationToken ct = default) => _http.GetPage<UserView>("api/v1/users", offset, limit, ct);

    public Task<UserView> Create(string userName, string password, string role, CancellationToken ct = default) =>
        _http.Post<UserView>("api/v1/users", new CreateUserRequest(userName, password, role), ct);

    public Task<UserView> ChangeRole(string id, string role, CancellationToken ct = default) =>
        _http.Put<UserView>($"api/v1/users/{PortalHttp.Segment(id)}/role", new ChangeRoleRequest(role), ct);

    /// <summary>Disables a user (their password, keys and open sessions stop working at once) or enables them again.</summary>
    public Task<UserView> SetDisabled(string id, bool disabled, CancellationToken ct = default) =>
        _http.Put<UserView>($"api/v1/users/{PortalHttp.Segment(id)}/access", new AccessRequest(disabled), ct);
}
