using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Portal.Contracts;
using Portal.Contracts.Auth;
using Portal.Server.Api;
using Portal.Server.Api.OpenApi;

namespace Portal.Server.Auth;

/// <summary>Users and their role; Admin only.</summary>
public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder v1)
    {
        var group = v1.MapGroup("/users").WithTags("Users").RequireAuthorization(PortalRoles.AtLeast(PortalRoles.Admin));
        group.MapGet("/", List)
            .WithSummary("List users")
            .WithDescription("Every user in user-name order, with their role and whether they are disabled. Paged: `offset`, and `limit` (default 50, at most 500).");
        group.MapPost("/", Create)
            .WithSummary("Create a user")
            .WithDescription("A new user with one role: Viewer, Contributor, Approver or Admin, each with the rights of those before it. "
                + "The password needs at least 12 characters. 400 names what is wrong; 409 when the user name is taken.")
            .WithRequestExample(new CreateUserRequest("ada", "a-long-pass-phrase", PortalRoles.Contributor))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPut("/{id}/role", ChangeRole)
            .WithSummary("Change a user's role")
            .WithDescription("Replaces the user's role with `role` (Viewer, Contributor, Approver or Admin); API keys already in use carry the new role from the next call.")
            .WithRequestExample(new ChangeRoleRequest(PortalRoles.Approver))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("/{id}/access", SetAccess)
            .WithSummary("Disable or enable a user")
            .WithDescription("`disabled: true` stops the user at once: their password no longer signs in (403), their API keys answer 401, "
                + "and their open sessions, hub connections and browser circuits end. `disabled: false` lets them back in with the same "
                + "password and keys. An Admin cannot disable themselves (409).")
            .WithRequestExample(new AccessRequest(true))
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return v1;
    }

    private static async Task<Ok<Page<UserView>>> List([AsParameters] PageRequest page, UserDirectory directory, CancellationToken ct) =>
        TypedResults.Ok(await directory.List(page, ct));

    private static async Task<Created<UserView>> Create(CreateUserRequest request, UserDirectory directory, ClaimsPrincipal user, CancellationToken ct)
    {
        var created = await directory.Create(request.UserName, request.Password, request.Role, new CurrentUser(user).Name, ct);
        return TypedResults.Created($"/api/v1/users/{created.Id}", created);
    }

    private static async Task<Ok<UserView>> ChangeRole(string id, ChangeRoleRequest request, UserDirectory directory, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await directory.ChangeRole(id, request.Role, new CurrentUser(user).Name, ct));

    private static async Task<Ok<UserView>> SetAccess(string id, AccessRequest request, UserDirectory directory, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await directory.SetDisabled(id, request.Disabled, new CurrentUser(user).Name, ct));
}
