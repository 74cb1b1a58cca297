using Microsoft.EntityFrameworkCore;

namespace Portal.Server.Serving.Alerts;

/// <summary>The EF Core mapping of the alert tables, applied by <see cref="Persistence.PortalDbContext"/> in one call.</summary>
public static class AlertTableMapping
{
    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<AlertRule>(e =>
        {
            e.ToTable("AlertRules");
            e.HasKey(r => r.Id);
            e.HasIndex(r => r.CreatedAt);
            e.Property(r => r.Name).HasMaxLength(AlertRules.MaxNameLength);
            e.Property(r => r.Metric).HasMaxLength(32);
            e.Property(r => r.Comparison).HasMaxLength(2);
            e.Property(r => r.Model).HasMaxLength(200);
            e.Property(r => r.Alias).HasMaxLength(64);
            e.Property(r => r.CreatedBy).HasMaxLength(256);
            e.Property(r => r.UpdatedBy).HasMaxLength(256);
        });

        builder.Entity<Alert>(e =>
        {
            e.ToTable("Alerts");
            e.HasKey(a => a.Id);
            e.HasIndex(a => new { a.ResolvedAt, a.FiredAt });
            e.HasIndex(a => a.RuleId);
            e.Property(a => a.RuleName).HasMaxLength(AlertRules.MaxNameLength);
            e.Property(a => a.Metric).HasMaxLength(32);
            e.Property(a => a.Comparison).HasMaxLength(2);
            e.Property(a => a.Model).HasMaxLength(200);
            e.Property(a => a.Alias).HasMaxLength(64);
            e.Property(a => a.ResolvedReason).HasMaxLength(500);
        });
    }
}
