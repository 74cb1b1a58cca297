namespace Portal.Server.Tests.Infrastructure;

/// <summary>A portal on a fresh PostgreSQL database; fails (never silently passes) without PORTAL_TEST_POSTGRES.</summary>
public sealed class PostgresPortalFactory() : PortalFactory(TestStorage.Postgres(), ownsStorage: true, AdminPassword);
