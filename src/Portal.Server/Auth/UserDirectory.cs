using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Portal.Contracts;
using Portal.Contracts.Auth;
using Portal.Server.Api;
using Portal.Server.Audit;

namespace Portal.Server.Auth;

/// <summary>Users and their role (Admin only): the logic of /api/v1/users and of the Users and roles page.</summary>
public sealed class UserDirectory(UserManager<PortalUser> users, AuditLog audit, PrincipalChanges changes)
{
    /// <summary>A user, or why the request was refused (<see cref="Status"/> 400, 404 or 409).</summary>
    public sealed record Outcome(UserView? User, int Status, string? Problem, string? Title = null);

    public async Task<Page<UserView>> List(PageRequest page, CancellationToken ct)
    {
        var ordered = users.Users.OrderBy(u => u.UserName);
        var total = await ordered.CountAsync(ct);
        var items = new List<UserView>();
        foreach (var u in await ordered.Skip(page.Skip).Take(page.Take).ToListAsync(ct)) items.Add(await View(u));
        return new Page<UserView>(items, page.Skip, page.Take, total);
    }

    public async Task<Outcome> Create(string? userName, string? password, string? requestedRole, string actor, CancellationToken ct)
    {
        var role = PortalRoles.Normalize(requestedRole ?? "");
        if (role is null) return Refused(400, $"'{requestedRole}' is not a role; roles are {string.Join(", ", PortalRoles.All)}.");
        if (string.IsNullOrWhiteSpace(userName)) return Refused(400, "A user needs a user name.");
        if (await users.FindByNameAsync(userName) is not null) return Refused(409, $"User '{userName}' exists.");
        var user = new PortalUser { UserName = userName.Trim() };
        var created = await users.CreateAsync(user, password ?? "");
        if (!created.Succeeded) return Refused(400, string.Join(" ", created.Errors.Select(e => e.Description)), "The user could not be created");
        await users.AddToRoleAsync(user, role);
        await audit.Record(actor, "user.create", "user", user.Id, new { userName = user.UserName, role }, ct);
        return new Outcome(await View(user), 201, null);
    }

    public async Task<Outcome> ChangeRole(string id, string? requestedRole, string actor, CancellationToken ct)
    {
        var role = PortalRoles.Normalize(requestedRole ?? "");
        if (role is null) return Refused(400, $"'{requestedRole}' is not a role; roles are {string.Join(", ", PortalRoles.All)}.");
        var user = await users.FindByIdAsync(id);
        if (user is null) return Refused(404, $"No user {id}.");
        await users.RemoveFromRolesAsync(user, await users.GetRolesAsync(user));
        await users.AddToRoleAsync(user, role);
        // Remembered API-key authentications, open hub connections and circuits carry the old role.
        changes.Raise(user.Id);
        await audit.Record(actor, "user.role", "user", user.Id, new { userName = user.UserName, role }, ct);
        return new Outcome(await View(user), 200, null);
    }

    /// <summary>
    /// Disables or enables a user. Disabled is Identity's lockout with no end, which the API-key handler, sign-in and
    /// <see cref="PrincipalCheck"/> refuse; a new security stamp ends the user's cookie sessions.
    /// </summary>
    public async Task<Outcome> SetDisabled(string id, bool disabled, string actor, CancellationToken ct)
    {
        var user = await users.FindByIdAsync(id);
        if (user is null) return Refused(404, $"No user {id}.");
        if (disabled && user.UserName == actor) return Refused(409, "You cannot disable yourself; ask another Admin.");
        await users.SetLockoutEnabledAsync(user, true);
        await users.SetLockoutEndDateAsync(user, disabled ? DateTimeOffset.MaxValue : null);
        await users.UpdateSecurityStampAsync(user);
        changes.Raise(user.Id);
        await audit.Record(actor, disabled ? "user.disable" : "user.enable", "user", user.Id, new { userName = user.UserName }, ct);
        return new Outcome(await View(user), 200, null);
    }

    private static Outcome Refused(int status, string problem, string? title = null) => new(null, status, problem, title);

    private async Task<UserView> View(PortalUser user)
    {
        var roles = await users.GetRolesAsync(user);
        var role = roles.OrderByDescending(PortalRoles.Rank).FirstOrDefault() ?? "";
        return new UserView(user.Id, user.UserName!, role, await users.IsLockedOutAsync(user), user.CreatedAt);
    }
}
