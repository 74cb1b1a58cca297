using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Portal.Server.Auth;
using Portal.Server.Tests.Infrastructure;

namespace Portal.Server.Tests.Auth;

/// <summary>A request a service refuses is answered once, by the exception handler, as problem details of its kind.</summary>
public sealed class RefusalAnswerTests(RefusalAnswerTests.LoggedPortal portal) : IClassFixture<RefusalAnswerTests.LoggedPortal>
{
    [Fact]
    public async Task Each_kind_of_refusal_is_answered_with_its_status_title_and_message()
    {
        var admin = await portal.AdminClient();
        var viewer = await portal.CreateClientAs(PortalRoles.Viewer);
        (await admin.PostJson("/api/v1/models", new { name = "refused-twice" })).EnsureSuccessStatusCode();

        var invalid = await (await admin.PostJson("/api/v1/models", new { name = "no spaces" })).AssertProblem(HttpStatusCode.BadRequest, "Model name 'no spaces' is not allowed");
        var missing = await (await admin.GetAsync("/api/v1/models/no-such-model")).AssertProblem(HttpStatusCode.NotFound, "No model 'no-such-model'.");
        var forbidden = await (await viewer.PostJson("/api/v1/api-keys", new { name = "for someone else", userId = "someone-else" }))
            .AssertProblem(HttpStatusCode.Forbidden, "Only an Admin may create keys for another user.");
        var conflict = await (await admin.PostJson("/api/v1/models", new { name = "refused-twice" })).AssertProblem(HttpStatusCode.Conflict, "A model named 'refused-twice' exists");

        Assert.Equal("The request is invalid", invalid.Title);
        Assert.Equal("Not found", missing.Title);
        Assert.Equal("Forbidden", forbidden.Title);
        Assert.Equal("Conflict", conflict.Title);
    }

    [Fact]
    public async Task A_refusal_is_answered_as_a_problem_to_a_client_that_accepts_no_json()
    {
        var admin = await portal.AdminClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/models/not-for-browsers");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));

        await (await admin.SendAsync(request)).AssertProblem(HttpStatusCode.NotFound, "No model 'not-for-browsers'.");
    }

    [Fact]
    public async Task A_refusal_is_not_logged_as_a_server_error()
    {
        var admin = await portal.AdminClient();

        await (await admin.GetAsync("/api/v1/models/not-registered")).AssertProblem(HttpStatusCode.NotFound);

        Assert.Empty(portal.LoggedRefusals);
    }

    /// <summary>A portal that keeps what it logs with a <see cref="Refusal"/> attached.</summary>
    public sealed class LoggedPortal() : PortalFactory(TestStorage.Sqlite(), ownsStorage: true, AdminPassword)
    {
        private readonly RefusalCollector _collector = new();

        public IEnumerable<string> LoggedRefusals => _collector.Entries;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging => logging.AddProvider(_collector));
        }
    }

    private sealed class RefusalCollector : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<string> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel) && exception is Refusal) Entries.Enqueue($"{logLevel}: {formatter(state, exception)}");
        }

        public void Dispose()
        {
        }
    }
}
