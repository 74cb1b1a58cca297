using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Contracts.Auth;
using Portal.Server.Api;
using Portal.Server.Api.OpenApi;
using Portal.Server.Persistence;

namespace Portal.Server.Auth;

/// <summary>Every user manages their own keys; an Admin may create, list and revoke anyone's.</summary>
public static class ApiKeysApi
{
    public static RouteGroupBuilder MapApiKeysApi(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/api-keys").WithTags("API keys").RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Viewer));
        group.MapGet("/", List)
            .WithSummary("List API keys")
            .WithDescription("The caller's own keys: name, prefix, owner, expiry and revocation, never the secret. An Admin lists everyone's with `all=true`. "
                + "Paged: `offset`, and `limit` (default 50, at most 500).");
        group.MapPost("/", Create)
            .WithSummary("Create an API key")
            .WithDescription("The answer carries the key's secret, shown this once; send it as the X-Api-Key header. The key acts with its owner's role, "
                + "expires after `expiresInDays` (1 to 366, default 90) and can be revoked. An Admin may create a key for another user with `userId`.")
            .WithRequestExample(new CreateKeyRequest("nightly-training", 30, null))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapDelete("/{id:guid}", Revoke)
            .WithSummary("Revoke an API key")
            .WithDescription("The key stops working at once. Anyone may revoke their own keys, an Admin anyone's; 404 for a key that does not exist or is not the caller's.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return v1;
    }

    private static async Task<Ok<Page<KeyView>>> List([AsParameters] PageRequest page, bool? all, ClaimsPrincipal user, ApiKeyListing keys, CancellationToken ct)
    {
        var me = new CurrentUser(user);
        var found = await keys.List(all == true && me.IsAdmin ? null : me.Id, page, ct);
        return TypedResults.Ok(new Page<KeyView>([.. found.Items.Select(AuthViews.View)], found.Offset, found.Limit, found.Total));
    }

    private static async Task<Created<CreatedKeyView>> Create(
        CreateKeyRequest request, ClaimsPrincipal user, ApiKeyService keys, UserManager<PortalUser> users, CancellationToken ct)
    {
        var me = new CurrentUser(user);
        var owner = request.UserId ?? me.Id;
        if (owner != me.Id)
        {
            if (!me.IsAdmin) throw Refusal.Forbidden("Only an Admin may create keys for another user.");
            if (await users.FindByIdAsync(owner) is null) throw Refusal.NotFound($"No user {owner}.");
        }
        var days = request.ExpiresInDays ?? 90;
        if (days is < 1 or > 366) throw Refusal.Invalid($"expiresInDays must be between 1 and 366, not {days}.");
        var created = await keys.Create(owner, request.Name ?? "", TimeSpan.FromDays(days), me.Name, ct);
        return TypedResults.Created($"/api/v1/api-keys/{created.Key.Id}", new CreatedKeyView(AuthViews.View(created.Key), created.Secret));
    }

    private static async Task<NoContent> Revoke(Guid id, ClaimsPrincipal user, PortalDbContext db, ApiKeyService keys, CancellationToken ct)
    {
        var me = new CurrentUser(user);
        var key = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id, ct);
        if (key is null || (key.UserId != me.Id && !me.IsAdmin)) throw Refusal.NotFound($"No API key {id} of yours.");
        await keys.Revoke(id, me.Name, ct);
        return TypedResults.NoContent();
    }
}
