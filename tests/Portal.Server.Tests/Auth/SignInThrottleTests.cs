using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Contracts;
using Portal.Contracts.Audit;
using Portal.Contracts.Auth;
using Portal.Server.Api;
using Portal.Server.Audit;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Auth;

/// <summary>
/// Failed sign-ins slow further attempts down, per client address and per user name, and lock nothing. Each test
/// signs in from addresses of its own (<see cref="ThrottledPortal.From"/>) and the throttle's clock stands still
/// until a test moves it, so no answer depends on how fast the machine is.
/// </summary>
public sealed class SignInThrottleTests(SignInThrottleTests.ThrottledPortal portal) : IClassFixture<SignInThrottleTests.ThrottledPortal>
{
    private static readonly int s_free = SignInThrottle.PerAddress.FreeFailures;

    [Fact]
    public async Task Wrong_passwords_for_admin_slow_the_next_attempt_with_429_and_Retry_After_instead_of_locking()
    {
        await portal.AdminClient();
        var attacker = portal.From(NewAddress());
        for (var attempt = 0; attempt <= s_free; attempt++)
            await (await SignIn(attacker, PortalFactory.AdminUserName, "guess-" + attempt)).AssertProblem(HttpStatusCode.Unauthorized);

        var throttled = await SignIn(attacker, PortalFactory.AdminUserName, PortalFactory.AdminPassword);
        await throttled.AssertProblem(HttpStatusCode.TooManyRequests, "try again in 1 s");
        Assert.Equal(TimeSpan.FromSeconds(1), throttled.Headers.RetryAfter?.Delta);

        portal.ThrottleClock.Advance(TimeSpan.FromSeconds(1));
        await (await SignIn(portal.From(NewAddress()), PortalFactory.AdminUserName, PortalFactory.AdminPassword)).ReadJson<Me>();
    }

    [Fact]
    public async Task The_wait_doubles_with_each_further_failure()
    {
        var user = await portal.CreateUser(PortalRoles.Viewer);
        var attacker = portal.From(NewAddress());
        for (var attempt = 0; attempt <= s_free; attempt++) await SignIn(attacker, user.UserName, "guess-" + attempt);

        var waits = new List<TimeSpan?>();
        for (var round = 0; round < 3; round++)
        {
            var throttled = await SignIn(attacker, user.UserName, "guess");
            await throttled.AssertProblem(HttpStatusCode.TooManyRequests);
            var wait = throttled.Headers.RetryAfter?.Delta;
            waits.Add(wait);
            portal.ThrottleClock.Advance(wait!.Value);
            await (await SignIn(attacker, user.UserName, "another guess")).AssertProblem(HttpStatusCode.Unauthorized);
        }
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)], waits);
    }

    [Fact]
    public async Task An_attacked_users_api_key_keeps_working_and_the_user_is_not_locked()
    {
        var user = await portal.CreateUser(PortalRoles.Approver);
        await user.Client.GetJson<Me>("/api/v1/auth/me");
        var attacker = portal.From(NewAddress());
        for (var attempt = 0; attempt < 3 * s_free; attempt++) await SignIn(attacker, user.UserName, "not-the-password");
        // Past the remembered-key window, so the key is looked up again.
        portal.Clock.Advance(ApiKeyTicketCache.TimeToLive);

        var me = await user.Client.GetJson<Me>("/api/v1/auth/me");
        Assert.True(me.ViaApiKey);
        var listed = await (await portal.AdminClient()).GetJson<Page<UserView>>("/api/v1/users?limit=500");
        Assert.False(listed.Items.Single(u => u.Id == user.Id).Disabled);
    }

    [Fact]
    public async Task Guesses_at_one_account_from_many_addresses_are_throttled_for_that_account()
    {
        var user = await portal.CreateUser(PortalRoles.Contributor);
        for (var attempt = 0; attempt <= SignInThrottle.PerAccount.FreeFailures; attempt++)
            await (await SignIn(portal.From(NewAddress()), user.UserName, "guess-" + attempt)).AssertProblem(HttpStatusCode.Unauthorized);

        await (await SignIn(portal.From(NewAddress()), user.UserName, user.Password)).AssertProblem(HttpStatusCode.TooManyRequests);
        // Another account from a fresh address is not slowed.
        var other = await portal.CreateUser(PortalRoles.Viewer);
        await (await SignIn(portal.From(NewAddress()), other.UserName, other.Password)).ReadJson<Me>();
    }

    [Fact]
    public async Task Unknown_user_names_get_exactly_the_answers_known_ones_get()
    {
        var known = await portal.CreateUser(PortalRoles.Viewer);
        var unknown = "nobody-" + Guid.NewGuid().ToString("N")[..8];

        Assert.Equal(await Answers(known.UserName), await Answers(unknown));

        async Task<List<(HttpStatusCode, string?)>> Answers(string userName)
        {
            var client = portal.From(NewAddress());
            var answers = new List<(HttpStatusCode, string?)>();
            for (var attempt = 0; attempt < s_free + 3; attempt++)
            {
                var response = await SignIn(client, userName, "wrong-password");
                answers.Add((response.StatusCode, (await response.Content.ReadFromJsonAsync<ProblemBody>(HttpJson.Options))?.Detail));
            }
            return answers;
        }
    }

    [Fact]
    public async Task An_unknown_user_name_costs_the_same_password_hash_check_as_a_known_one()
    {
        var known = await portal.CreateUser(PortalRoles.Viewer);

        var before = portal.Hasher.Verifications;
        await SignIn(portal.From(NewAddress()), known.UserName, "wrong-password");
        var forKnown = portal.Hasher.Verifications - before;

        before = portal.Hasher.Verifications;
        await SignIn(portal.From(NewAddress()), "nobody-" + Guid.NewGuid().ToString("N")[..8], "wrong-password");
        var forUnknown = portal.Hasher.Verifications - before;

        Assert.Equal(1, forKnown);
        Assert.Equal(forKnown, forUnknown);
    }

    [Fact]
    public async Task A_spell_of_throttling_writes_one_audit_row_per_address_and_account_not_one_per_attempt()
    {
        var user = await portal.CreateUser(PortalRoles.Viewer);
        var address = NewAddress();
        var attacker = portal.From(address);
        for (var attempt = 0; attempt < s_free + 20; attempt++) await SignIn(attacker, user.UserName, "guess-" + attempt);
        for (var wait = 0; wait < 3; wait++)
        {
            portal.ThrottleClock.Advance(TimeSpan.FromMinutes(1));
            await (await SignIn(attacker, user.UserName, "guess")).AssertProblem(HttpStatusCode.Unauthorized);
        }

        var admin = await portal.AdminClient();
        var forUser = (await admin.GetJson<Page<AuditEventView>>($"/api/v1/audit?action=auth.&subjectId={user.Id}&limit=500")).Items;
        var forAddress = (await admin.GetJson<Page<AuditEventView>>($"/api/v1/audit?action=auth.throttle&subjectId={address}&limit=500")).Items;
        Assert.Equal("auth.throttle", Assert.Single(forUser).Action);
        Assert.Equal("address", Assert.Single(forAddress).SubjectType);
    }

    [Theory]
    [InlineData("2001:db8:1:2:aaaa::1", "2001:db8:1:2:bbbb::7")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    public void Addresses_one_client_may_hold_together_share_a_count(string one, string other) =>
        Assert.Equal(SignInThrottle.AddressKey(IPAddress.Parse(one)), SignInThrottle.AddressKey(IPAddress.Parse(other)));

    [Fact]
    public void Neighbouring_ipv6_networks_are_counted_apart() =>
        Assert.NotEqual(SignInThrottle.AddressKey(IPAddress.Parse("2001:db8:1:2::1")), SignInThrottle.AddressKey(IPAddress.Parse("2001:db8:1:3::1")));

    private static int s_lastAddress;

    private static string NewAddress() => $"198.51.100.{Interlocked.Increment(ref s_lastAddress)}";

    private static Task<HttpResponseMessage> SignIn(HttpClient client, string userName, string password) =>
        client.PostJson("/api/v1/auth/sign-in", new SignInRequest(userName, password));

    /// <summary>A portal whose clients can say which address they come from, with a counted password hasher and a throttle on a clock of its own.</summary>
    public sealed class ThrottledPortal : PortalFactory
    {
        private const string AddressHeader = "X-Test-Client-Address";

        public StoppedClock ThrottleClock { get; } = new();

        public CountingHasher Hasher { get; } = new();

        public HttpClient From(string address)
        {
            var client = CreateClient();
            client.DefaultRequestHeaders.Add(AddressHeader, address);
            return client;
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<IStartupFilter>(new ClientAddressFromHeader());
                services.RemoveAll<SignInThrottle>();
                services.AddSingleton(new SignInThrottle(ThrottleClock));
                services.RemoveAll<IPasswordHasher<PortalUser>>();
                services.AddSingleton<IPasswordHasher<PortalUser>>(Hasher);
            });
        }

        private sealed class ClientAddressFromHeader : IStartupFilter
        {
            public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
            {
                app.Use((context, then) =>
                {
                    if (context.Request.Headers.TryGetValue(AddressHeader, out var address)) context.Connection.RemoteIpAddress = IPAddress.Parse(address!);
                    return then(context);
                });
                next(app);
            };
        }
    }

    /// <summary>A clock that moves only when told to.</summary>
    public sealed class StoppedClock : TimeProvider
    {
        private long _ticks = DateTimeOffset.UtcNow.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    /// <summary>Identity's password hasher, counting its verifications.</summary>
    public sealed class CountingHasher : IPasswordHasher<PortalUser>
    {
        private readonly PasswordHasher<PortalUser> _inner = new();
        private int _verifications;

        public int Verifications => Volatile.Read(ref _verifications);

        public string HashPassword(PortalUser user, string password) => _inner.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(PortalUser user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref _verifications);
            return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }
}
