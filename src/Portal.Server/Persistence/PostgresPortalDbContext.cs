using Microsoft.EntityFrameworkCore;

namespace Portal.Server.Persistence;

public sealed class PostgresPortalDbContext(DbContextOptions<PostgresPortalDbContext> options) : PortalDbContext(options);
