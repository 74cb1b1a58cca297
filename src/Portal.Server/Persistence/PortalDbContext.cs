using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Portal.Server.Approvals;
using Portal.Server.Artifacts;
using Portal.Server.Audit;
using Portal.Server.Auth;
using Portal.Server.Datasets;
using Portal.Server.Evaluations;
using Portal.Server.Jobs;
using Portal.Server.Registry;
using Portal.Server.Serving;
using Portal.Server.Training;

namespace Portal.Server.Persistence;

/// <summary>
/// The portal's database. The model is shared; each provider has a subclass of its own
/// (<see cref="SqlitePortalDbContext"/>, <see cref="PostgresPortalDbContext"/>) so each keeps its own migrations.
/// </summary>
public abstract class PortalDbContext(DbContextOptions options) : IdentityDbContext<PortalUser>(options)
{
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<ArtifactRecord> Artifacts => Set<ArtifactRecord>();
    public DbSet<DatasetRecord> Datasets => Set<DatasetRecord>();
    public DbSet<JobRecord> Jobs => Set<JobRecord>();
    public DbSet<TrainingRun> Runs => Set<TrainingRun>();
    public DbSet<RunEpochMetric> RunEpochMetrics => Set<RunEpochMetric>();
    public DbSet<RunEpochSteps> RunEpochSteps => Set<RunEpochSteps>();
    public DbSet<RegisteredModel> Models => Set<RegisteredModel>();
    public DbSet<ModelVersion> ModelVersions => Set<ModelVersion>();
    public DbSet<VersionTag> VersionTags => Set<VersionTag>();
    public DbSet<ModelAlias> Aliases => Set<ModelAlias>();
    public DbSet<AliasAssignment> AliasAssignments => Set<AliasAssignment>();
    public DbSet<PromotionPolicy> PromotionPolicies => Set<PromotionPolicy>();
    public DbSet<PromotionRequest> PromotionRequests => Set<PromotionRequest>();
    public DbSet<PromotionDecision> PromotionDecisions => Set<PromotionDecision>();
    public DbSet<VersionEvaluation> Evaluations => Set<VersionEvaluation>();
    public DbSet<VersionImport> Imports => Set<VersionImport>();
    public DbSet<DeploymentSettings> DeploymentSettings => Set<DeploymentSettings>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<ApiKey>(e =>
        {
            e.HasKey(k => k.Id);
            e.HasIndex(k => k.Prefix).IsUnique();
            e.HasIndex(k => k.UserId);
            e.Property(k => k.Name).HasMaxLength(100);
            e.Property(k => k.Prefix).HasMaxLength(16);
        });

        builder.Entity<AuditEvent>(e =>
        {
            e.HasKey(a => a.Sequence);
            e.Property(a => a.Sequence).ValueGeneratedNever();
            e.HasIndex(a => a.PreviousHash).IsUnique();
            e.HasIndex(a => a.Time);
            e.HasIndex(a => new { a.SubjectType, a.SubjectId });
            e.Property(a => a.Actor).HasMaxLength(256);
            e.Property(a => a.Action).HasMaxLength(64);
            e.Property(a => a.SubjectType).HasMaxLength(64);
            e.Property(a => a.SubjectId).HasMaxLength(128);
            e.Property(a => a.PreviousHash).HasMaxLength(64);
            e.Property(a => a.Hash).HasMaxLength(64);
        });

        builder.Entity<ArtifactRecord>(e =>
        {
            e.HasKey(a => a.Sha256);
            e.Property(a => a.Sha256).HasMaxLength(64);
            e.Property(a => a.MediaType).HasMaxLength(100);
        });

        builder.Entity<DatasetRecord>(e =>
        {
            e.HasKey(d => d.Id);
            e.HasIndex(d => d.Name).IsUnique();
            e.Property(d => d.Name).HasMaxLength(200);
            e.Property(d => d.Format).HasConversion<string>().HasMaxLength(16);
            e.Ignore(d => d.IsText);
        });

        builder.Entity<JobRecord>(e =>
        {
            e.HasKey(j => j.Id);
            e.HasIndex(j => new { j.State, j.CreatedAt });
            e.Property(j => j.Kind).HasMaxLength(32);
            e.Property(j => j.State).HasConversion<string>().HasMaxLength(16);
            e.Property(j => j.ConcurrencyStamp).IsConcurrencyToken();
        });

        builder.Entity<TrainingRun>(e =>
        {
            e.HasKey(r => r.Id);
            e.HasIndex(r => r.JobId).IsUnique();
            e.HasIndex(r => r.CreatedAt);
            e.Property(r => r.Name).HasMaxLength(200);
        });

        builder.Entity<RunEpochMetric>(e => e.HasKey(m => new { m.RunId, m.Epoch }));
        builder.Entity<RunEpochSteps>(e => e.HasKey(s => new { s.RunId, s.Epoch }));

        builder.Entity<RegisteredModel>(e =>
        {
            e.HasKey(m => m.Id);
            e.HasIndex(m => m.Name).IsUnique();
            e.Property(m => m.Name).HasMaxLength(200);
        });

        builder.Entity<ModelVersion>(e =>
        {
            e.HasKey(v => v.Id);
            e.HasIndex(v => new { v.ModelId, v.Number }).IsUnique();
            e.HasIndex(v => v.RunId);
            e.HasIndex(v => v.ParentVersionId);
            e.Property(v => v.Source).HasConversion<string>().HasMaxLength(16);
            e.Property(v => v.BatchCheck).HasConversion<string>().HasMaxLength(16);
        });

        builder.Entity<VersionTag>(e =>
        {
            e.HasKey(t => new { t.VersionId, t.Key });
            e.Property(t => t.Key).HasMaxLength(100);
            e.Property(t => t.Value).HasMaxLength(500);
        });

        builder.Entity<ModelAlias>(e =>
        {
            e.HasKey(a => new { a.ModelId, a.Name });
            e.Property(a => a.Name).HasMaxLength(64);
            e.Property(a => a.ConcurrencyStamp).IsConcurrencyToken();
        });

        builder.Entity<AliasAssignment>(e =>
        {
            e.HasKey(a => a.Id);
            e.HasIndex(a => new { a.ModelId, a.Alias, a.Since });
            e.Property(a => a.Alias).HasMaxLength(64);
            e.Property(a => a.Reason).HasConversion<string>().HasMaxLength(16);
        });

        builder.Entity<PromotionPolicy>(e => e.HasKey(p => p.ModelId));

        builder.Entity<PromotionRequest>(e =>
        {
            e.HasKey(r => r.Id);
            e.HasIndex(r => new { r.State, r.CreatedAt });
            e.HasIndex(r => r.ModelId);
            // At most one pending request per alias, even when two arrive at once: the second insert fails.
            e.HasIndex(r => new { r.ModelId, r.Alias }).IsUnique().HasFilter($"\"State\" = '{PromotionState.Pending}'")
                .HasDatabaseName("IX_PromotionRequests_OnePendingPerAlias");
            e.Property(r => r.Alias).HasMaxLength(64);
            e.Property(r => r.State).HasConversion<string>().HasMaxLength(16);
            e.Property(r => r.ConcurrencyStamp).IsConcurrencyToken();
        });

        builder.Entity<PromotionDecision>(e =>
        {
            e.HasKey(d => d.Id);
            e.HasIndex(d => new { d.RequestId, d.DecidedBy }).IsUnique();
            e.Property(d => d.Kind).HasConversion<string>().HasMaxLength(16);
        });

        builder.Entity<Compression.CompressionRecord>(e =>
        {
            e.HasKey(c => c.Id);
            e.HasIndex(c => new { c.ModelId, c.CreatedAt });
            e.HasIndex(c => c.JobId).IsUnique();
            e.Property(c => c.Method).HasMaxLength(32);
        });

        builder.Entity<VersionEvaluation>(e =>
        {
            e.HasKey(v => v.Id);
            e.HasIndex(v => new { v.VersionId, v.CreatedAt });
            e.HasIndex(v => v.JobId).IsUnique();
        });

        builder.Entity<VersionImport>(e =>
        {
            e.HasKey(i => i.Id);
            e.HasIndex(i => new { i.ModelId, i.OnnxArtifact });
            e.HasIndex(i => i.JobId).IsUnique();
            e.Property(i => i.FileName).HasMaxLength(260);
            e.Property(i => i.OnnxArtifact).HasMaxLength(64);
        });

        builder.Entity<DeploymentSettings>(e =>
        {
            e.HasKey(d => new { d.ModelId, d.Alias });
            e.Property(d => d.Alias).HasMaxLength(64);
            e.Property(d => d.UpdatedBy).HasMaxLength(256);
            e.HasOne<RegisteredModel>().WithMany().HasForeignKey(d => d.ModelId).OnDelete(DeleteBehavior.Cascade);
        });

        Serving.Alerts.AlertTableMapping.Configure(builder);
    }
}
