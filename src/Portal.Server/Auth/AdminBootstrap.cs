using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Portal.Server.Audit;
using Portal.Server.Hosting;

namespace Portal.Server.Auth;

/// <summary>
/// Creates the roles and, on a first start, the user <c>admin</c>: with Portal:AdminPassword
/// (PORTAL_ADMIN_PASSWORD) when given, else with a one-time password printed once. Never a fixed default.
/// </summary>
public sealed class AdminBootstrap : IStartupTask
{
    public const string AdminUserName = "admin";

    public int Order => 10;

    public async Task Run(IServiceProvider services, CancellationToken ct)
    {
        var roles = services.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in PortalRoles.All)
        {
            if (!await roles.RoleExistsAsync(role)) Check(await roles.CreateAsync(new IdentityRole(role)), $"create role {role}");
        }

        var users = services.GetRequiredService<UserManager<PortalUser>>();
        if (users.Users.Any()) return;

        var configured = services.GetRequiredService<IOptions<PortalOptions>>().Value.AdminPassword;
        var password = string.IsNullOrEmpty(configured) ? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('/', 'x').Replace('+', 'y') : configured;
        var admin = new PortalUser { UserName = AdminUserName };
        Check(await users.CreateAsync(admin, password), "create the first admin");
        Check(await users.AddToRoleAsync(admin, PortalRoles.Admin), "make the first user Admin");
        await services.GetRequiredService<AuditLog>().Record("system", "user.create", "user", admin.Id, new { userName = AdminUserName, role = PortalRoles.Admin }, ct);

        if (string.IsNullOrEmpty(configured))
        {
            Console.WriteLine("==================================================================");
            Console.WriteLine($" First start: user '{AdminUserName}' was created with the one-time password");
            Console.WriteLine($"   {password}");
            Console.WriteLine(" It is not shown again. Sign in and create your own users.");
            Console.WriteLine("==================================================================");
        }
    }

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
            throw new InvalidOperationException($"Could not {what}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
    }
}
