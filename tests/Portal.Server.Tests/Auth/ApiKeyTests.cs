using System.Data.Common;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Contracts;
using Portal.Contracts.Auth;
using Portal.Server.Api;
using Portal.Server.Auth;
using Portal.Server.Persistence;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Auth;

public sealed class ApiKeyTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task A_user_creates_a_key_for_themself_and_it_authenticates_as_them()
    {
        var user = await portal.CreateUser(PortalRoles.Viewer);
        var created = await (await user.Client.PostJson("/api/v1/api-keys", new CreateKeyRequest("laptop", 7, null)))
            .ReadJson<CreatedKeyView>(HttpStatusCode.Created);
        Assert.Equal(user.Id, created.Key.UserId);
        Assert.StartsWith($"ptl_{created.Key.Prefix}_", created.Secret, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromDays(7), created.Key.ExpiresAt - created.Key.CreatedAt);

        var me = await portal.ClientWithKey(created.Secret).GetJson<Me>("/api/v1/auth/me");
        Assert.Equal(user.Id, me.Id);
        Assert.True(me.ViaApiKey);
    }

    [Fact]
    public async Task The_key_is_also_accepted_in_an_authorization_header()
    {
        var user = await portal.CreateUser(PortalRoles.Viewer);
        var client = portal.AnonymousClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", user.ApiKey);
        Assert.Equal(user.Id, (await client.GetJson<Me>("/api/v1/auth/me")).Id);
    }

    [Fact]
    public async Task Every_key_authenticates_whatever_characters_its_secret_holds()
    {
        // base64url secrets contain '_' about half the time, the separator of the key's parts.
        var user = await portal.CreateUser(PortalRoles.Viewer);
        var secrets = new List<string>();
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
            for (var i = 0; i < 24; i++) secrets.Add((await keys.Create(user.Id, $"bulk-{i}", TimeSpan.FromDays(1), "tests", CancellationToken.None)).Secret);
        }
        Assert.Contains(secrets, s => s.Split('_', 3)[2].Contains('_'));
        foreach (var secret in secrets)
            await (await portal.ClientWithKey(secret).GetAsync("/api/v1/auth/me")).AssertStatus(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("ptl_000000000000_notakey")]
    [InlineData("not-a-key-at-all")]
    [InlineData("ptl__")]
    public async Task An_unknown_or_malformed_key_is_401(string key)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await portal.ClientWithKey(key).GetAsync("/api/v1/auth/me")).StatusCode);
    }

    [Fact]
    public async Task A_forged_secret_with_a_real_prefix_is_401()
    {
        var user = await portal.CreateUser(PortalRoles.Viewer);
        var prefix = user.ApiKey.Split('_', 3)[1];
        var forged = $"ptl_{prefix}_{new string('A', 43)}";
        Assert.Equal(HttpStatusCode.Unauthorized, (await portal.ClientWithKey(forged).GetAsync("/api/v1/auth/me")).StatusCode);
    }

    [Fact]
    public async Task The_secret_is_shown_once_and_never_listed()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        var created = await (await user.Client.PostJson("/api/v1/api-keys", new CreateKeyRequest("ci", null, null)))
            .ReadJson<CreatedKeyView>(HttpStatusCode.Created);

        var listed = await (await user.Client.GetAsync("/api/v1/api-keys")).AssertStatus(HttpStatusCode.OK);
        var body = await listed.Content.ReadAsStringAsync();
        Assert.Contains(created.Key.Prefix, body, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretPart(created.Secret), body, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", body, StringComparison.OrdinalIgnoreCase);

        var adminView = await (await portal.AdminClient()).GetAsync("/api/v1/api-keys?all=true&limit=500");
        Assert.DoesNotContain(SecretPart(created.Secret), await adminView.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_a_hash_of_the_key_is_stored_and_no_column_anywhere_holds_the_secret()
    {
        var user = await portal.CreateUser(PortalRoles.Approver);
        var secret = SecretPart(user.ApiKey);
        var prefix = user.ApiKey.Split('_', 3)[1];

        var stored = await portal.InDatabase(db => db.ApiKeys.AsNoTracking().SingleAsync(k => k.Prefix == prefix));
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(user.ApiKey)), stored.SecretHash);

        var cells = await portal.InDatabase(EveryCell);
        Assert.Contains(cells, c => c.Value.Contains(prefix, StringComparison.Ordinal));
        Assert.DoesNotContain(cells, c => c.Value.Contains(secret, StringComparison.Ordinal));
        Assert.DoesNotContain(cells, c => c.Value.Contains(user.Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_expired_key_is_401_while_the_users_other_keys_still_work()
    {
        await using var own = new PortalFactory();
        var user = await own.CreateUser(PortalRoles.Viewer);
        var shortLived = await (await user.Client.PostJson("/api/v1/api-keys", new CreateKeyRequest("one day", 1, null)))
            .ReadJson<CreatedKeyView>(HttpStatusCode.Created);
        var client = own.ClientWithKey(shortLived.Secret);
        await (await client.GetAsync("/api/v1/auth/me")).AssertStatus(HttpStatusCode.OK);

        own.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/v1/auth/me")).StatusCode);
        await (await user.Client.GetAsync("/api/v1/auth/me")).AssertStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_revoked_key_is_401_and_revoking_again_changes_nothing()
    {
        var user = await portal.CreateUser(PortalRoles.Viewer);
        var spare = await (await user.Client.PostJson("/api/v1/api-keys", new CreateKeyRequest("spare", null, null)))
            .ReadJson<CreatedKeyView>(HttpStatusCode.Created);

        await (await user.Client.DeleteAsync($"/api/v1/api-keys/{spare.Key.Id}")).AssertStatus(HttpStatusCode.NoContent);
        Assert.Equal(HttpStatusCode.Unauthorized, (await portal.ClientWithKey(spare.Secret).GetAsync("/api/v1/auth/me")).StatusCode);

        var revokedAt = (await user.Client.GetJson<Page<KeyView>>("/api/v1/api-keys")).Items.Single(k => k.Id == spare.Key.Id).RevokedAt;
        Assert.NotNull(revokedAt);
        await (await user.Client.DeleteAsync($"/api/v1/api-keys/{spare.Key.Id}")).AssertStatus(HttpStatusCode.NoContent);
        Assert.Equal(revokedAt, (await user.Client.GetJson<Page<KeyView>>("/api/v1/api-keys")).Items.Single(k => k.Id == spare.Key.Id).RevokedAt);
        await (await user.Client.GetAsync("/api/v1/auth/me")).AssertStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_non_admin_cannot_revoke_or_see_another_users_key()
    {
        var owner = await portal.CreateUser(PortalRoles.Viewer);
        var other = await portal.CreateUser(PortalRoles.Approver);
        var ownerKeyId = (await owner.Client.GetJson<Page<KeyView>>("/api/v1/api-keys")).Items.Single().Id;

        await (await other.Client.DeleteAsync($"/api/v1/api-keys/{ownerKeyId}")).AssertProblem(HttpStatusCode.NotFound, ownerKeyId.ToString());
        Assert.DoesNotContain((await other.Client.GetJson<Page<KeyView>>("/api/v1/api-keys?all=true")).Items, k => k.UserId == owner.Id);
        await (await owner.Client.GetAsync("/api/v1/auth/me")).AssertStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_non_admin_cannot_create_a_key_for_someone_else()
    {
        var owner = await portal.CreateUser(PortalRoles.Viewer);
        var other = await portal.CreateUser(PortalRoles.Approver);
        var response = await other.Client.PostJson("/api/v1/api-keys", new CreateKeyRequest("theirs", null, owner.Id));
        await response.AssertProblem(HttpStatusCode.Forbidden, "Admin");
    }

    [Fact]
    public async Task An_admin_creates_lists_and_revokes_keys_of_other_users()
    {
        var owner = await portal.CreateUser(PortalRoles.Contributor);
        var admin = await portal.AdminClient();
        var created = await (await admin.PostJson("/api/v1/api-keys", new CreateKeyRequest("made by admin", 30, owner.Id)))
            .ReadJson<CreatedKeyView>(HttpStatusCode.Created);
        Assert.Equal(owner.Id, created.Key.UserId);
        Assert.Equal(owner.Id, (await portal.ClientWithKey(created.Secret).GetJson<Me>("/api/v1/auth/me")).Id);

        var all = await admin.GetJson<Page<KeyView>>("/api/v1/api-keys?all=true&limit=500");
        Assert.Contains(all.Items, k => k.Id == created.Key.Id);
        var own = await admin.GetJson<Page<KeyView>>("/api/v1/api-keys?limit=500");
        Assert.DoesNotContain(own.Items, k => k.UserId == owner.Id);

        await (await admin.DeleteAsync($"/api/v1/api-keys/{created.Key.Id}")).AssertStatus(HttpStatusCode.NoContent);
        Assert.Equal(HttpStatusCode.Unauthorized, (await portal.ClientWithKey(created.Secret).GetAsync("/api/v1/auth/me")).StatusCode);
    }

    [Fact]
    public async Task A_key_for_an_unknown_user_is_404()
    {
        var response = await (await portal.AdminClient()).PostJson("/api/v1/api-keys", new CreateKeyRequest("ghost", null, "no-such-user"));
        await response.AssertProblem(HttpStatusCode.NotFound, "no-such-user");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(367)]
    public async Task A_lifetime_outside_1_to_366_days_is_400_naming_the_range(int days)
    {
        var user = await portal.CreateUser(PortalRoles.Viewer);
        var response = await user.Client.PostJson("/api/v1/api-keys", new CreateKeyRequest("bad", days, null));
        await response.AssertProblem(HttpStatusCode.BadRequest, "expiresInDays", "between 1 and 366", days.ToString());
    }

    [Fact]
    public async Task A_key_without_a_name_is_400()
    {
        var user = await portal.CreateUser(PortalRoles.Viewer);
        await (await user.Client.PostJson("/api/v1/api-keys", new CreateKeyRequest(" ", null, null)))
            .AssertProblem(HttpStatusCode.BadRequest, "name");
    }

    private static string SecretPart(string key) => key.Split('_', 3)[2];

    private sealed record Cell(string Table, string Column, string Value);

    /// <summary>Every value in every table of the portal's database, as text (binary values as hex and base64 too).</summary>
    private static async Task<List<Cell>> EveryCell(PortalDbContext db)
    {
        var cells = new List<Cell>();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            foreach (var table in db.Model.GetEntityTypes().Select(e => e.GetTableName()).OfType<string>().Distinct())
            {
                await using var command = connection.CreateCommand();
                command.CommandText = $"SELECT * FROM \"{table}\"";
                await using DbDataReader reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        if (await reader.IsDBNullAsync(i)) continue;
                        var value = reader.GetValue(i) switch
                        {
                            byte[] bytes => $"{Convert.ToHexString(bytes)} {Convert.ToHexStringLower(bytes)} {Convert.ToBase64String(bytes)} {Encoding.UTF8.GetString(bytes)}",
                            var other => Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture) ?? "",
                        };
                        cells.Add(new Cell(table, reader.GetName(i), value));
                    }
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        return cells;
    }
}
