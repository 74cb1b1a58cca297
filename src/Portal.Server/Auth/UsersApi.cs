using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Portal.Server.Api;
using Portal.Server.Audit;

namespace Portal.Server.Auth;

/// <summary>Users and their role; Admin only.</summary>
public static class UsersApi
{
    public sealed record CreateUserRequest(string UserName, string Password, string Role);

    public sealed record ChangeRoleRequest(string Role);

    public sealed record UserView(string Id, string UserName, string Role, bool LockedOut, DateTimeOffset CreatedAt);

    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/users").WithTags("Users").RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Admin));
        group.MapGet("/", List);
        group.MapPost("/", Create);
        group.MapPut("/{id}/role", ChangeRole);
        return v1;
    }

    private static async Task<Ok<Page<UserView>>> List([AsParameters] PageRequest page, UserManager<PortalUser> users, CancellationToken ct)
    {
        var ordered = users.Users.OrderBy(u => u.UserName);
        var total = await ordered.CountAsync(ct);
        var items = new List<UserView>();
        foreach (var u in await ordered.Skip(page.Skip).Take(page.Take).ToListAsync(ct)) items.Add(await View(u, users));
        return TypedResults.Ok(new Page<UserView>(items, page.Skip, page.Take, total));
    }

    private static async Task<Results<Created<UserView>, ProblemHttpResult>> Create(
        CreateUserRequest request, UserManager<PortalUser> users, AuditLog audit, HttpContext http, CancellationToken ct)
    {
        var role = PortalRoles.Normalize(request.Role ?? "");
        if (role is null) return ProblemMapping.BadRequest($"'{request.Role}' is not a role; roles are {string.Join(", ", PortalRoles.All)}.");
        if (string.IsNullOrWhiteSpace(request.UserName)) return ProblemMapping.BadRequest("A user needs a user name.");
        if (await users.FindByNameAsync(request.UserName) is not null) return ProblemMapping.Conflict($"User '{request.UserName}' exists.");
        var user = new PortalUser { UserName = request.UserName.Trim() };
        var created = await users.CreateAsync(user, request.Password ?? "");
        if (!created.Succeeded) return ProblemMapping.BadRequest(string.Join(" ", created.Errors.Select(e => e.Description)), "The user could not be created");
        await users.AddToRoleAsync(user, role);
        await audit.Record(Actor.Name(http.User), "user.create", "user", user.Id, new { userName = user.UserName, role }, ct);
        return TypedResults.Created($"/api/v1/users/{user.Id}", await View(user, users));
    }

    private static async Task<Results<Ok<UserView>, ProblemHttpResult>> ChangeRole(
        string id, ChangeRoleRequest request, UserManager<PortalUser> users, AuditLog audit, ApiKeyTicketCache tickets, HttpContext http, CancellationToken ct)
    {
        var role = PortalRoles.Normalize(request.Role ?? "");
        if (role is null) return ProblemMapping.BadRequest($"'{request.Role}' is not a role; roles are {string.Join(", ", PortalRoles.All)}.");
        var user = await users.FindByIdAsync(id);
        if (user is null) return ProblemMapping.NotFound($"No user {id}.");
        await users.RemoveFromRolesAsync(user, await users.GetRolesAsync(user));
        await users.AddToRoleAsync(user, role);
        tickets.Clear();
        await audit.Record(Actor.Name(http.User), "user.role", "user", user.Id, new { userName = user.UserName, role }, ct);
        return TypedResults.Ok(await View(user, users));
    }

    private static async Task<UserView> View(PortalUser user, UserManager<PortalUser> users)
    {
        var roles = await users.GetRolesAsync(user);
        var role = roles.OrderByDescending(PortalRoles.Rank).FirstOrDefault() ?? "";
        return new UserView(user.Id, user.UserName!, role, await users.IsLockedOutAsync(user), user.CreatedAt);
    }
}
