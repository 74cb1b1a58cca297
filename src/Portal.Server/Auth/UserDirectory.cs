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
    public async Task<Page<UserView>> List(PageRequest page, CancellationToken ct)
    {
        var ordered = users.Users.OrderBy(u => u.UserName);
        var total = await ordered.CountAsync(ct);
        var items = new List<UserView>();
        foreach (var u in await ordered.Skip(page.Skip).Take(page.Take).ToListAsync(ct)) items.Add(await View(u));
        return new Page<UserView>(items, page.Skip, page.Take, total);
    }

    public async Task<UserView> Create(string? userName, string? password, string? requestedRole, string actor, CancellationToken ct)
    {
        var role = PortalRoles.Normalize(requestedRole ?? "");
        if (role is null) throw NotARole(requestedRole);
        if (string.IsNullOrWhiteSpace(userName)) throw Refusal.Invalid("A user needs a user name.");
        if (await users.FindByNameAsync(userName) is not null) throw Refusal.Conflict($"User '{userName}' exists.");
        var user = new PortalUser { UserName = userName.Trim() };
        var created = await users.CreateAsync(user, password ?? "");
        if (!created.Succeeded)
            throw new Refusal(RefusalKind.Invalid, string.Join(" ", created.Errors.Select(e => e.Description)), title: "The user could not be created");
        await users.AddToRoleAsync(user, role);
        await audit.Record(actor, "user.create", "user", user.Id, new { userName = user.UserName, role }, ct);
        return await View(user);
    }

    public async Task<UserView> ChangeRole(string id, string? requestedRole, string actor, CancellationToken ct)
    {
        var role = PortalRoles.Normalize(requestedRole ?? "");
        if (role is null) throw NotARole(requestedRole);
        var user = await users.FindByIdAsync(id) ?? throw NoUser(id);
        await users.RemoveFromRolesAsync(user, await users.GetRolesAsync(user));
        await users.AddToRoleAsync(user, role);
        // Remembered API-key authentications, open hub connections and circuits carry the old role.
        changes.Raise(user.Id);
        await audit.Record(actor, "user.role", "user", user.Id, new { userName = user.UserName, role }, ct);
        return await View(user);
    }

    /// <summary>
    /// Disables or enables a user. Disabled is Identity's lockout with no end, which the API-key handler, sign-in and
    /// <see cref="PrincipalCheck"/> refuse; a new security stamp ends the user's cookie sessions.
    /// </summary>
    public async Task<UserView> SetDisabled(string id, bool disabled, string actor, CancellationToken ct)
    {
        var user = await users.FindByIdAsync(id) ?? throw NoUser(id);
        if (disabled && user.UserName == actor) throw Refusal.Conflict("You cannot disable yourself; ask another Admin.");
        await users.SetLockoutEnabledAsync(user, true);
        await users.SetLockoutEndDateAsync(user, disabled ? DateTimeOffset.MaxValue : null);
        await users.UpdateSecurityStampAsync(user);
        changes.Raise(user.Id);
        await audit.Record(actor, disabled ? "user.disable" : "user.enable", "user", user.Id, new { userName = user.UserName }, ct);
        return await View(user);
    }

    private static Refusal NotARole(string? requested) => Refusal.Invalid($"'{requested}' is not a role; roles are {string.Join(", ", PortalRoles.All)}.");

    private static Refusal NoUser(string id) => Refusal.NotFound($"No user {id}.");

    private async Task<UserView> View(PortalUser user)
    {
        var roles = await users.GetRolesAsync(user);
        var role = roles.OrderByDescending(PortalRoles.Rank).FirstOrDefault() ?? "";
        return new UserView(user.Id, user.UserName!, role, await users.IsLockedOutAsync(user), user.CreatedAt);
    }
}
