using System.Net;
using System.Text.Json;
using Portal.Contracts;
using Portal.Contracts.Audit;
using Portal.Contracts.Auth;
using Portal.Server.Api;
using Portal.Server.Audit;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Audit;

/// <summary>What the auth features write to the audit trail, and that the chain over it verifies.</summary>
public sealed class AuditTrailTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task User_changes_and_sign_ins_are_recorded_with_who_did_them()
    {
        var admin = await portal.AdminClient();
        var user = await portal.CreateUser(PortalRoles.Viewer);
        await portal.SignIn(user.UserName, user.Password);
        await (await admin.PutJson($"/api/v1/users/{user.Id}/role", new ChangeRoleRequest(PortalRoles.Contributor))).AssertStatus(HttpStatusCode.OK);

        var events = (await admin.GetJson<Page<AuditEventView>>($"/api/v1/audit?subjectType=user&subjectId={user.Id}")).Items;
        Assert.Equal(["user.create", "auth.sign-in", "user.role"], events.OrderBy(e => e.Sequence).Select(e => e.Action));
        Assert.Equal([PortalFactory.AdminUserName, user.UserName, PortalFactory.AdminUserName], events.OrderBy(e => e.Sequence).Select(e => e.Actor));
        var roleChange = JsonDocument.Parse(events.Single(e => e.Action == "user.role").Details!).RootElement;
        Assert.Equal(PortalRoles.Contributor, roleChange.GetProperty("role").GetString());
    }

    [Fact]
    public async Task Key_creation_and_revocation_are_recorded_without_the_secret()
    {
        var user = await portal.CreateUser(PortalRoles.Viewer);
        var created = await (await user.Client.PostJson("/api/v1/api-keys", new CreateKeyRequest("audited", 3, null)))
            .ReadJson<CreatedKeyView>(HttpStatusCode.Created);
        await (await user.Client.DeleteAsync($"/api/v1/api-keys/{created.Key.Id}")).AssertStatus(HttpStatusCode.NoContent);

        var events = (await user.Client.GetJson<Page<AuditEventView>>($"/api/v1/audit?subjectType=apikey&subjectId={created.Key.Id}")).Items;
        Assert.Equal(["apikey.create", "apikey.revoke"], events.OrderBy(e => e.Sequence).Select(e => e.Action));
        Assert.All(events, e => Assert.Equal(user.UserName, e.Actor));
        Assert.All(events, e => Assert.Contains(created.Key.Prefix, e.Details!, StringComparison.Ordinal));
        Assert.All(events, e => Assert.DoesNotContain(created.Secret.Split('_', 3)[2], e.Details!, StringComparison.Ordinal));

        var forUser = (await user.Client.GetJson<Page<AuditEventView>>($"/api/v1/audit?action=apikey.create&actor={PortalFactory.AdminUserName}&limit=500")).Items;
        Assert.Contains(forUser, e => e.Details!.Contains(user.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_chain_verifies_over_every_event_written()
    {
        await portal.CreateUser(PortalRoles.Approver);
        var viewer = await portal.CreateClientAs(PortalRoles.Viewer);
        var report = await viewer.GetJson<AuditChainReport>("/api/v1/audit/verify");
        var total = (await viewer.GetJson<Page<AuditEventView>>("/api/v1/audit?limit=1")).Total;
        Assert.True(report.Valid, report.Problem);
        Assert.Null(report.FirstBrokenSequence);
        Assert.True(report.EventsChecked >= total, $"checked {report.EventsChecked} of {total}");
    }

    [Fact]
    public async Task Every_event_links_to_the_one_before_it()
    {
        var events = (await (await portal.AdminClient()).GetJson<Page<AuditEventView>>("/api/v1/audit?limit=500")).Items.OrderBy(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(events.Count, events.Select(e => e.Hash).Distinct().Count());
        Assert.All(events, e => Assert.Matches("^[0-9a-f]{64}$", e.Hash));
    }
}
